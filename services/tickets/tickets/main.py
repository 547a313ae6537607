"""The tickets service: tickets, comments, photos.

Run: `python -m servelo_common.serve tickets.main:create_app`.
"""

from __future__ import annotations

from servelo_common.app import ServiceSpec, ServiceState, create_service_app
from servelo_common.migrate import package_migrations
from servelo_common.storage import storage_from_url
from starlette.applications import Starlette

from tickets.config import Settings
from tickets.handlers import subscriptions
from tickets.routes import ROUTES


def create_app() -> Starlette:
    settings = Settings()  # type: ignore[call-arg]
    storage = storage_from_url(settings.storage_url, settings.data_dir)  # fails fast

    async def close_storage(state: ServiceState) -> None:
        # An object store holds an HTTP session; a local folder has nothing to close.
        close = getattr(storage, "aclose", None)
        if close is not None:
            await close()

    app = create_service_app(
        ServiceSpec(
            name="tickets",
            routes=ROUTES,
            migrations=package_migrations(__file__),
            subscriptions=subscriptions(storage),
            on_shutdown=[close_storage],
        ),
        settings,
    )
    app.state.storage = storage
    return app
