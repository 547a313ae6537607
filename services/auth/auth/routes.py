"""`/api/auth/...` and the internal routes; ROUTES is the whole service's table."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from servelo_common.db import system_tx
from servelo_common.errors import NotFound
from servelo_common.http import body, caller, json, message, path_id, require_internal, tenant
from servelo_common.jwt import jwks_for
from servelo_common.routing import api_route
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth import admin_routes, magic, service, sessions, user_routes, users
from auth import repository as repo
from auth.context import Client, auth
from auth.domain import user_view
from auth.schemas import (
    EmailInput,
    LoginInput,
    LogoutInput,
    RefreshInput,
    SessionPublic,
    TokenPair,
    UserPublic,
)

REVOCATION_WINDOW = 20 * 60


async def login(request: Request) -> Response:
    """Sign in with email and password."""
    data = await body(request, LoginInput)
    return json(
        await service.login(
            auth(request),
            tenant(request),
            email=data.email,
            password=data.password,
            client=Client.of(request),
        )
    )


async def refresh(request: Request) -> Response:
    """Exchange a refresh token for a new token pair (the old one stops working)."""
    data = await body(request, RefreshInput)
    return json(
        await service.refresh(
            auth(request), tenant(request), token=data.refresh_token, client=Client.of(request)
        )
    )


async def logout(request: Request) -> Response:
    """Revoke a refresh token's session; idempotent."""
    data = await body(request, LogoutInput)
    await service.logout(auth(request), tenant(request), token=data.refresh_token)
    return message("Logged out successfully")


async def me(request: Request) -> Response:
    """The current user's profile."""
    user = await users.me(auth(request), caller(request))
    return json(UserPublic.model_validate(user_view(user)))


async def request_magic_link(request: Request) -> Response:
    """Mail a sign-in link; the answer is the same whether the email is known or not."""
    data = await body(request, EmailInput)
    await magic.request_link(
        auth(request), tenant(request), email=data.email, client=Client.of(request)
    )
    return message(magic.REQUEST_ANSWER)


async def verify_magic_link(request: Request) -> Response:
    """Redeem a magic link (once) for a token pair."""
    token = request.query_params.get("token", "")
    return json(
        await magic.verify(auth(request), tenant(request), token=token, client=Client.of(request))
    )


async def list_sessions(request: Request) -> Response:
    """The caller's active sessions (one per sign-in)."""
    rows = await sessions.list_sessions(auth(request), caller(request))
    return json([SessionPublic.model_validate(r) for r in rows])


async def revoke_session(request: Request) -> Response:
    """End one of the caller's sessions (its access tokens stop working at once)."""
    ident = caller(request)
    session_id = path_id(request, message="Session not found")
    await sessions.revoke(auth(request), ident, session_id)
    return message("Session revoked")


async def revoke_other_sessions(request: Request) -> Response:
    """End every session of the caller except the current one."""
    await sessions.revoke_others(auth(request), caller(request))
    return message("Other sessions revoked")


async def jwks(request: Request) -> Response:
    """Public keys that verify access tokens."""
    return json(jwks_for(auth(request).keys), headers={"Cache-Control": "max-age=60"})


def _org_json(row: Any) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "slug": row["slug"],
        "name": row["name"],
        "plan": row["plan"],
        "active": row["active"],
    }


async def internal_orgs(request: Request) -> Response:
    """Every org, for the gateway's tenant registry."""
    require_internal(request)
    async with auth(request).pool.acquire() as conn:
        rows = await repo.list_orgs(conn)
    return json([_org_json(r) for r in rows])


async def internal_org(request: Request) -> Response:
    """One org by slug, for a gateway whose registry has not heard of it yet."""
    require_internal(request)
    async with auth(request).pool.acquire() as conn:
        row = await repo.get_org_by_slug(conn, slug=request.path_params["slug"])
    if row is None:
        raise NotFound("Organization not found")
    return json(_org_json(row))


async def internal_revocations(request: Request) -> Response:
    """Scoped revocations of the last 20 minutes: tokens of the scope's subject issued
    before `revoked_at` are refused."""
    require_internal(request)
    since = datetime.fromtimestamp(time.time() - REVOCATION_WINDOW, UTC)
    async with system_tx(auth(request).pool) as conn:
        rows = await repo.recent_revocations(conn, since=since)
    return json(
        [
            {
                "scope": r["scope"],
                "id": str(r["subject_id"]),
                "revoked_at": r["revoked_at"].timestamp(),
            }
            for r in rows
        ]
    )


_AUTH = ["auth"]
ROUTES = [
    api_route(
        "/api/auth/login",
        login,
        methods=["POST"],
        body=LoginInput,
        response=TokenPair,
        public=True,
        tags=_AUTH,
    ),
    api_route(
        "/api/auth/refresh",
        refresh,
        methods=["POST"],
        body=RefreshInput,
        response=TokenPair,
        public=True,
        tags=_AUTH,
    ),
    api_route(
        "/api/auth/logout", logout, methods=["POST"], body=LogoutInput, public=True, tags=_AUTH
    ),
    api_route("/api/auth/me", me, methods=["GET"], response=UserPublic, tags=_AUTH),
    api_route(
        "/api/auth/magic-link/request",
        request_magic_link,
        methods=["POST"],
        body=EmailInput,
        public=True,
        tags=_AUTH,
    ),
    api_route(
        "/api/auth/magic-link/verify",
        verify_magic_link,
        methods=["GET"],
        response=TokenPair,
        public=True,
        tags=_AUTH,
    ),
    api_route(
        "/api/auth/sessions",
        list_sessions,
        methods=["GET"],
        response=SessionPublic,
        list_response=True,
        tags=_AUTH,
    ),
    api_route(
        "/api/auth/sessions/revoke-others", revoke_other_sessions, methods=["POST"], tags=_AUTH
    ),
    api_route("/api/auth/sessions/{id}", revoke_session, methods=["DELETE"], tags=_AUTH),
    api_route("/api/auth/jwks", jwks, methods=["GET"], public=True, tags=_AUTH),
    # Service-to-service only: plain routes, left out of the public OpenAPI document.
    Route("/internal/orgs", internal_orgs, methods=["GET"]),
    Route("/internal/orgs/{slug}", internal_org, methods=["GET"]),
    Route("/internal/revocations", internal_revocations, methods=["GET"]),
    *user_routes.ROUTES,
    *admin_routes.ROUTES,
]
