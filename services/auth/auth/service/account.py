"""The caller's own account: their profile (`me`), preferences, avatar and password.

Other users' avatars are served here too (`get_avatar`): the picture goes with the account
that uploaded it.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import orjson
from servelo_common import images
from servelo_common.db import tenant_tx
from servelo_common.errors import ApiError
from servelo_common.events import emit
from servelo_common.identity import Identity

from auth import events
from auth.domain.account import Avatar, deep_merge
from auth.domain.users import User
from auth.repository import account as repo
from auth.repository import sessions as sessions_repo
from auth.repository import users as users_repo
from auth.schemas.account import ChangePasswordInput
from auth.schemas.users import SetPasswordInput
from auth.service import Auth, actor_of, session_of
from auth.service.users import load_user, replace_password, save_user

AVATAR_NOT_FOUND = "Avatar not found"
REAUTH_REQUIRED = (
    "Recent sign-in required: sign in again (within the last 5 minutes) to set a password"
)
NOT_AN_IMAGE = "The file must be a PNG, JPEG, GIF or WebP image"


async def get_me(ctx: Auth, *, ident: Identity) -> User:
    org_id, user_id = ident.org_uuid, actor_of(ident)
    async with tenant_tx(ctx.pool, org_id, readonly=True) as conn:
        row = await users_repo.get_user(conn, org_id=org_id, user_id=user_id)
    user = None if row is None else User.from_row(row)
    if user is None or not user.can_sign_in:
        raise ApiError(401)
    return user


async def get_preferences(ctx: Auth, *, ident: Identity) -> dict[str, Any]:
    return (await get_me(ctx, ident=ident)).preferences


async def merge_preferences(ctx: Auth, *, ident: Identity, data: Any) -> dict[str, Any]:
    """Deep-merge a JSON object into the caller's preferences (`null` deletes a key)."""
    if not isinstance(data, dict):
        raise ApiError(
            400, "Validation failed", errors={"body": ["Preferences must be a JSON object."]}
        )
    limit = ctx.settings.preferences_max_bytes
    org_id, user_id = ident.org_uuid, actor_of(ident)
    async with tenant_tx(ctx.pool, org_id) as conn:
        user = await load_user(conn, org_id=org_id, user_id=user_id, for_update=True)
        merged = deep_merge(user.preferences, data)
        if len(orjson.dumps(merged)) > limit:
            raise ApiError(
                413,
                "Preferences are too large",
                errors={"body": [f"At most {limit} bytes of preferences."]},
            )
        await save_user(conn, user, preferences=merged)
    return merged


async def set_avatar(ctx: Auth, *, ident: Identity, data: bytes) -> User:
    """Store an image (type by its magic bytes, metadata removed: servelo_common.images) and
    point `avatar_url` at it."""
    not_an_image = ApiError(415, NOT_AN_IMAGE, errors={"file": [f"{NOT_AN_IMAGE}."]})
    kind = images.sniff(data[: images.SNIFF_BYTES])
    if kind is None:
        raise not_an_image
    try:
        data = await asyncio.to_thread(images.clean_bytes, data, kind)
    except images.InvalidImage as exc:
        raise not_an_image from exc
    org_id, user_id = ident.org_uuid, actor_of(ident)
    # The version defeats caches when the picture changes.
    url = f"/api/users/{user_id}/avatar?v={int(time.time() * 1000)}"
    async with tenant_tx(ctx.pool, org_id) as conn:
        user = await load_user(conn, org_id=org_id, user_id=user_id, for_update=True)
        await repo.put_avatar(conn, org_id=org_id, user_id=user_id, content_type=kind, data=data)
        user = await save_user(conn, user, avatar_url=url)
        # The user resource changed (avatar_url): a sync client or a webhook hears of it.
        # Preferences are the user's own UI settings, not a field of the resource: no event.
        await emit(conn, events.UserUpdated.of(user), tenant=org_id, subject=user_id)
    return user


async def get_avatar(ctx: Auth, *, ident: Identity, user_id: UUID) -> Avatar:
    org_id = ident.org_uuid
    async with tenant_tx(ctx.pool, org_id, readonly=True) as conn:
        row = await repo.get_avatar(conn, org_id=org_id, user_id=user_id)
    if row is None:
        raise ApiError(404, AVATAR_NOT_FOUND)
    return Avatar.from_row(row)


async def set_own_password(ctx: Auth, *, ident: Identity, data: SetPasswordInput) -> None:
    """Set a password; on an account that already has one, only soon after signing in
    (`User.may_set_password`: a stolen access token alone cannot take the account over).
    Every other session ends; the caller's goes on."""
    org_id, user_id, session_id = ident.org_uuid, actor_of(ident), session_of(ident)
    async with tenant_tx(ctx.pool, org_id) as conn:
        user = await load_user(conn, org_id=org_id, user_id=user_id)
        signed_in = (
            await sessions_repo.signed_in_at(
                conn, org_id=org_id, session_id=session_id, user_id=user_id
            )
            if user.has_password and session_id is not None
            else None
        )
    if not user.may_set_password(signed_in_at=signed_in, now=datetime.now(UTC)):
        raise ApiError(403, REAUTH_REQUIRED, code="reauthentication_required")
    await replace_password(
        ctx, ident=ident, user_id=user_id, password=data.password, keep_session=session_id
    )


async def change_password(ctx: Auth, *, ident: Identity, data: ChangePasswordInput) -> None:
    """Replace the password, given the current one; every other session ends."""
    user = await get_me(ctx, ident=ident)
    if not await ctx.passwords.verify(user.password_hash, data.current_password):
        raise ApiError(
            400,
            "Current password is incorrect",
            errors={"current_password": ["The current password is incorrect."]},
        )
    await replace_password(
        ctx,
        ident=ident,
        user_id=user.id,
        password=data.new_password,
        action="password_changed",
        keep_session=session_of(ident),
    )
