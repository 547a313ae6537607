"""The auth service: tenants, users, sign-in, tokens and their revocation."""

from __future__ import annotations

from pathlib import Path

from servelo_common.app import ServiceSpec, ServiceState, create_service_app
from servelo_common.jwt import TokenSigner
from servelo_common.migrate import package_migrations
from starlette.applications import Starlette

from auth.config import Settings
from auth.link_requests import LinkRequests
from auth.maintenance import Janitor
from auth.passwords import Passwords
from auth.routes import ROUTES
from auth.service import Auth
from auth.service.orgs import bootstrap
from auth.tokens import load_keys


def create_app() -> Starlette:
    settings = Settings()  # type: ignore[call-arg]

    async def start(state: ServiceState) -> None:
        spec = settings.jwt_keys.get_secret_value() if settings.jwt_keys else None
        keys = load_keys(spec, Path(settings.data_dir))
        ctx = Auth(
            pool=state.db,
            settings=settings,
            keys=keys,
            signer=TokenSigner(keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience),
            passwords=Passwords(
                settings.password_hash_profile,
                concurrency=settings.password_hash_concurrency,
                queue=settings.password_hash_queue,
            ),
        )
        state.extras["auth"] = ctx
        await bootstrap(ctx)
        state.start_worker(Janitor(state.db))  # supervised, stopped with the service
        link_requests = LinkRequests(ctx)
        ctx.wake_link_requests = link_requests.wake
        state.start_worker(link_requests)

    return create_service_app(
        ServiceSpec(
            name="auth",
            routes=ROUTES,
            migrations=package_migrations(__file__),
            on_startup=[start],
        ),
        settings,
    )
