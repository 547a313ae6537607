"""The crm service: clients (customers) and quotes."""

from __future__ import annotations

from pathlib import Path

from servelo_common.app import ServiceSpec, create_service_app
from starlette.applications import Starlette

from crm.config import Settings
from crm.handlers import SUBSCRIPTIONS
from crm.routes import ROUTES


def _migrations() -> Path:
    """Inside an installed wheel the migrations sit in the package; in the repo, beside it."""
    packaged = Path(__file__).parent / "migrations"
    return packaged if packaged.is_dir() else Path(__file__).parents[1] / "migrations"


def create_app() -> Starlette:
    return create_service_app(ServiceSpec(
        name="crm", routes=ROUTES, migrations=_migrations(), subscriptions=SUBSCRIPTIONS),
        Settings())  # type: ignore[call-arg]
