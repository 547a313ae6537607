"""The crm service: clients (customers) and quotes."""

from __future__ import annotations

from servelo_common.app import ServiceSpec, create_service_app
from servelo_common.migrate import package_migrations
from starlette.applications import Starlette

from crm.config import Settings
from crm.handlers import SUBSCRIPTIONS
from crm.routes import ROUTES


def create_app() -> Starlette:
    return create_service_app(
        ServiceSpec(
            name="crm",
            routes=ROUTES,
            migrations=package_migrations(__file__),
            subscriptions=SUBSCRIPTIONS,
        ),
        Settings(),  # type: ignore[call-arg]
    )
