"""An org's settings: `/api/settings`."""

from __future__ import annotations

from servelo_common.http import body, caller, json, require_role
from servelo_common.routing import api_route
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth.routes import ctx_of
from auth.schemas.settings import SettingsUpdate
from auth.service import settings

TAGS = ["settings"]


async def get_settings(request: Request) -> Response:
    """All settings of the org."""
    found = await settings.get_settings(ctx_of(request), ident=caller(request))
    return json(found.values())


async def put_settings(request: Request) -> Response:
    """Update one or more settings (admin)."""
    ident = require_role(request, "admin")
    data = await body(request, SettingsUpdate)
    updated = await settings.update_settings(ctx_of(request), ident=ident, data=data)
    return json(updated.values())


ROUTES: list[Route] = [
    api_route("/api/settings", get_settings, methods=["GET"], tags=TAGS),
    api_route("/api/settings", put_settings, methods=["PUT"], body=SettingsUpdate, tags=TAGS),
]
