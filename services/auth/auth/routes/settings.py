"""An org's settings: `/api/settings`."""

from __future__ import annotations

from servelo_common.http import body, caller, json, require_role
from servelo_common.routing import Tag, api_route
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth.routes import ctx_of
from auth.schemas.settings import SettingsPublic, SettingsUpdate
from auth.service import settings

TAGS = [Tag("settings", "The org's settings: company details, timezone, currency, tax rate.")]


async def get_settings(request: Request) -> Response:
    """All settings of the org."""
    found = await settings.get_settings(ctx_of(request), ident=caller(request))
    return json(SettingsPublic.model_validate(found.values()))


async def put_settings(request: Request) -> Response:
    """Update one or more settings (admin)."""
    ident = require_role(request, "admin")
    data = await body(request, SettingsUpdate)
    updated = await settings.update_settings(ctx_of(request), ident=ident, data=data)
    return json(SettingsPublic.model_validate(updated.values()))


ROUTES: list[Route] = [
    api_route("/api/settings", get_settings, methods=["GET"], response=SettingsPublic, tags=TAGS),
    api_route(
        "/api/settings",
        put_settings,
        methods=["PUT"],
        body=SettingsUpdate,
        response=SettingsPublic,
        tags=TAGS,
    ),
]
