"""A user's own account (profile, preferences, avatar, password) and org user listings."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import orjson
from servelo_common.db import tenant_tx
from servelo_common.errors import ApiError
from servelo_common.identity import Identity
from servelo_common.pagination import PageRequest

from auth import repository as repo
from auth.context import Auth, session_of
from auth.domain import deep_merge, sniff_image
from auth.members import set_password, user_in_org

# `set-password` on an account that has a password needs a sign-in this recent.
REAUTH_SECONDS = 300
REAUTH_REQUIRED = (
    "Recent sign-in required: sign in again (within the last 5 minutes) to set a password"
)


def _ids(ident: Identity) -> tuple[UUID, UUID]:
    return UUID(ident.org_id), UUID(str(ident.user_id))


async def me(ctx: Auth, ident: Identity) -> Any:
    org_id, user_id = _ids(ident)
    async with tenant_tx(ctx.pool, org_id) as conn:
        user = await repo.get_user(conn, org_id=org_id, user_id=user_id)
    if user is None or user["status"] == "deactivated":
        raise ApiError(401)
    return user


async def get(ctx: Auth, *, org_id: UUID, user_id: UUID) -> Any:
    async with tenant_tx(ctx.pool, org_id) as conn:
        return await user_in_org(conn, org_id=org_id, user_id=user_id)


async def list_users(
    ctx: Auth, *, org_id: UUID, page: PageRequest, role: str | None, status: str | None
) -> list[Any]:
    async with tenant_tx(ctx.pool, org_id) as conn:
        return await repo.list_users(
            conn, org_id=org_id, limit=page.limit, cursor=page.cursor, role=role, status=status
        )


async def technicians(ctx: Auth, ident: Identity, page: PageRequest) -> list[Any]:
    org_id = UUID(ident.org_id)
    async with tenant_tx(ctx.pool, org_id) as conn:
        return await repo.active_users(conn, org_id=org_id, limit=page.limit, cursor=page.cursor)


async def preferences(ctx: Auth, ident: Identity) -> dict[str, Any]:
    user = await me(ctx, ident)
    prefs: dict[str, Any] = user["preferences"] or {}
    return prefs


async def merge_preferences(ctx: Auth, ident: Identity, patch: Any) -> dict[str, Any]:
    if not isinstance(patch, dict):
        raise ApiError(
            400, "Validation failed", errors={"body": ["Preferences must be a JSON object."]}
        )
    org_id, user_id = _ids(ident)
    async with tenant_tx(ctx.pool, org_id) as conn:
        user = await user_in_org(conn, org_id=org_id, user_id=user_id, for_update=True)
        merged = deep_merge(user["preferences"] or {}, patch)
        if len(orjson.dumps(merged)) > ctx.settings.preferences_max_bytes:
            raise ApiError(
                413,
                "Preferences are too large",
                errors={
                    "body": [f"At most {ctx.settings.preferences_max_bytes} bytes of preferences."]
                },
            )
        await repo.update_user(conn, org_id=org_id, user_id=user_id, preferences=merged)
    return merged


async def set_avatar(ctx: Auth, ident: Identity, data: bytes) -> Any:
    """Store an image (type by its magic bytes) and point `avatar_url` at it."""
    kind = sniff_image(data)
    if kind is None:
        raise ApiError(
            415,
            "The file must be a PNG, JPEG, GIF or WebP image",
            errors={"file": ["The file must be a PNG, JPEG, GIF or WebP image."]},
        )
    org_id, user_id = _ids(ident)
    # The version defeats caches when the picture changes.
    url = f"/api/users/{user_id}/avatar?v={int(time.time() * 1000)}"
    async with tenant_tx(ctx.pool, org_id) as conn:
        await user_in_org(conn, org_id=org_id, user_id=user_id, for_update=True)
        await repo.put_avatar(conn, org_id=org_id, user_id=user_id, content_type=kind, data=data)
        return await repo.update_user(conn, org_id=org_id, user_id=user_id, avatar_url=url)


async def avatar(ctx: Auth, *, org_id: UUID, user_id: UUID) -> Any:
    async with tenant_tx(ctx.pool, org_id) as conn:
        row = await repo.get_avatar(conn, org_id=org_id, user_id=user_id)
    if row is None:
        raise ApiError(404, "Avatar not found")
    return row


async def set_own_password(ctx: Auth, ident: Identity, password: str) -> None:
    """Set a password; on an account that already has one, only within `REAUTH_SECONDS` of
    signing in (a stolen access token alone cannot take the account over)."""
    org_id, user_id = _ids(ident)
    session_id = session_of(ident)
    async with tenant_tx(ctx.pool, org_id) as conn:
        user = await user_in_org(conn, org_id=org_id, user_id=user_id)
        if user["password_hash"] is not None:
            signed_in = (
                await repo.session_signed_in_at(
                    conn, org_id=org_id, session_id=session_id, user_id=user_id
                )
                if session_id is not None
                else None
            )
            if signed_in is None or signed_in < datetime.now(UTC) - timedelta(
                seconds=REAUTH_SECONDS
            ):
                raise ApiError(403, REAUTH_REQUIRED, code="reauthentication_required")
    await set_password(
        ctx,
        org_id=org_id,
        user_id=user_id,
        password=password,
        actor_id=user_id,
        action="password_set",
        keep_session=session_id,
    )


async def change_password(ctx: Auth, ident: Identity, *, current: str, new: str) -> None:
    user = await me(ctx, ident)
    if not await ctx.passwords.verify(user["password_hash"], current):
        raise ApiError(
            400,
            "Current password is incorrect",
            errors={"current_password": ["The current password is incorrect."]},
        )
    org_id, user_id = _ids(ident)
    await set_password(
        ctx,
        org_id=org_id,
        user_id=user_id,
        password=new,
        actor_id=user_id,
        action="password_changed",
        keep_session=session_of(ident),
    )
