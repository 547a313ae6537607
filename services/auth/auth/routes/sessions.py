"""Signing in and out, and the caller's sessions: `/api/auth/{login,refresh,logout}`,
`/api/auth/sessions[...]`, and the keys that verify access tokens (`/api/auth/jwks`)."""

from __future__ import annotations

from servelo_common.endpoints import delete_endpoint
from servelo_common.http import body, caller, json, message, resources, tenant
from servelo_common.jwt import jwks_for
from servelo_common.routing import Tag, api_route
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth.routes import client_of, ctx_of
from auth.schemas.sessions import (
    JwksPublic,
    LoginInput,
    LogoutInput,
    RefreshInput,
    SessionPublic,
    TokenPair,
)
from auth.service import sessions

TAGS = [
    Tag(
        "auth",
        "Signing in (password or magic link) and out, refreshing tokens, the caller's profile"
        " and sessions. Access tokens are 15-minute JWTs (`Authorization: Bearer ...`),"
        " refresh tokens opaque and rotated on every use.",
    )
]


async def login(request: Request) -> Response:
    """Sign in with email and password."""
    data = await body(request, LoginInput)
    tokens = await sessions.login(
        ctx_of(request), ident=tenant(request), data=data, client=client_of(request)
    )
    return json(TokenPair.of(tokens))


async def refresh(request: Request) -> Response:
    """Exchange a refresh token for a new token pair (the old one stops working)."""
    data = await body(request, RefreshInput)
    tokens = await sessions.refresh(
        ctx_of(request), ident=tenant(request), data=data, client=client_of(request)
    )
    return json(TokenPair.of(tokens))


async def logout(request: Request) -> Response:
    """Revoke a refresh token's session; idempotent."""
    data = await body(request, LogoutInput)
    await sessions.logout(ctx_of(request), ident=tenant(request), data=data)
    return message("Logged out successfully")


async def list_sessions(request: Request) -> Response:
    """The caller's active sessions (one per sign-in)."""
    found = await sessions.list_sessions(ctx_of(request), ident=caller(request))
    return resources(SessionPublic, found)


revoke_session = delete_endpoint(
    sessions.revoke_session,
    context=ctx_of,
    id="session_id",
    not_found=sessions.SESSION_NOT_FOUND,
    message="Session revoked",
    doc="End one of the caller's sessions (its access tokens stop working at once).",
)


async def revoke_other_sessions(request: Request) -> Response:
    """End every session of the caller except the current one."""
    await sessions.revoke_other_sessions(ctx_of(request), ident=caller(request))
    return message("Other sessions revoked")


async def jwks(request: Request) -> Response:
    """Public keys that verify access tokens."""
    keys = JwksPublic.model_validate(jwks_for(ctx_of(request).keys))
    return json(keys, headers={"Cache-Control": "max-age=60"})


ROUTES: list[Route] = [
    api_route(
        "/api/auth/login",
        login,
        methods=["POST"],
        body=LoginInput,
        response=TokenPair,
        public=True,
        errors=[401],
        tags=TAGS,
    ),
    api_route(
        "/api/auth/refresh",
        refresh,
        methods=["POST"],
        body=RefreshInput,
        response=TokenPair,
        public=True,
        errors=[401],
        tags=TAGS,
    ),
    api_route(
        "/api/auth/logout",
        logout,
        methods=["POST"],
        body=LogoutInput,
        body_required=False,
        public=True,
        tags=TAGS,
    ),
    api_route(
        "/api/auth/sessions",
        list_sessions,
        methods=["GET"],
        response=SessionPublic,
        list_response=True,
        paged=False,
        tags=TAGS,
    ),
    api_route(
        "/api/auth/sessions/revoke-others", revoke_other_sessions, methods=["POST"], tags=TAGS
    ),
    api_route("/api/auth/sessions/{id}", revoke_session, methods=["DELETE"], tags=TAGS),
    api_route("/api/auth/jwks", jwks, methods=["GET"], response=JwksPublic, public=True, tags=TAGS),
]
