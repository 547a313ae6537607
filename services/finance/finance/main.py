"""The finance service: revenue and expense entries, and the summary of both."""

from __future__ import annotations

from servelo_common.app import ServiceSpec, create_service_app
from servelo_common.migrate import package_migrations
from starlette.applications import Starlette

from finance.config import Settings
from finance.handlers import SUBSCRIPTIONS
from finance.routes import ROUTES


def create_app() -> Starlette:
    return create_service_app(
        ServiceSpec(
            name="finance",
            routes=ROUTES,
            migrations=package_migrations(__file__),
            subscriptions=SUBSCRIPTIONS,
        ),
        Settings(),  # type: ignore[call-arg]  # read from the environment
    )
