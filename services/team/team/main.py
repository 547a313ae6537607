"""The team service: roles, team members, projects, allocations, actuals, utilization."""

from __future__ import annotations

from servelo_common.app import ServiceSpec, create_service_app
from servelo_common.migrate import package_migrations
from starlette.applications import Starlette

from team.config import Settings
from team.handlers import SUBSCRIPTIONS
from team.routes import ROUTES


def create_app() -> Starlette:
    return create_service_app(
        ServiceSpec(
            name="team",
            routes=ROUTES,
            migrations=package_migrations(__file__),
            subscriptions=SUBSCRIPTIONS,
            # The team reference answers invalid input with 422.
            validation_status=422,
        ),
        Settings(),  # type: ignore[call-arg]
    )  # values come from the environment
