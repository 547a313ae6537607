"""The finance service: revenue and expense entries, and the summary of both."""

from __future__ import annotations

from pathlib import Path

from servelo_common.app import ServiceSpec, create_service_app
from starlette.applications import Starlette

from finance.config import Settings
from finance.handlers import SUBSCRIPTIONS
from finance.routes import ROUTES


def create_app() -> Starlette:
    return create_service_app(
        ServiceSpec(name="finance", routes=ROUTES,
                    migrations=Path(__file__).parents[1] / "migrations",
                    subscriptions=SUBSCRIPTIONS),
        Settings(),  # type: ignore[call-arg]  # read from the environment
    )
