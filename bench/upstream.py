"""A cheap but representative service for the bench: Starlette on uvicorn, decodes the identity."""

from __future__ import annotations

import os

from servelo_common.identity import IDENTITY_HEADER, InvalidIdentity, decode_identity
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

SECRET = os.environ["SERVELO_INTERNAL_SECRET"].encode()
MAX_AGE = 24 * 3600.0


async def ping(request: Request) -> JSONResponse:
    try:
        # nginx, the peer, forwards one identity signed at the bench's start: accept it for
        # the whole run (the real services keep the short replay window).
        value = request.headers.get(IDENTITY_HEADER, "")
        identity = decode_identity(value, SECRET, max_age=MAX_AGE)
    except InvalidIdentity:
        return JSONResponse({"error": "Unauthorized", "message": "Unauthorized"}, 401)
    return JSONResponse({"pong": True, "org": identity.org_slug, "user": identity.user_id})


app = Starlette(routes=[Route("/api/bench/ping", ping)])
