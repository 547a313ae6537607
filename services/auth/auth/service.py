"""Signing in and out: login, refresh-token rotation with reuse detection, logout."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from servelo_common.db import Connection, tenant_tx
from servelo_common.errors import ApiError
from servelo_common.events import emit
from servelo_common.identity import Identity

from auth import events, lockout, throttle
from auth import repository as repo
from auth.context import Auth, Client, revocation_time, token_response
from auth.tokens import digest, family_of, refresh_token

INVALID_CREDENTIALS = "Invalid credentials"
INVALID_REFRESH = "Invalid or expired refresh token"


async def open_session(
    ctx: Auth, conn: Connection, *, org_id: UUID, slug: str, user: Any, client: Client
) -> dict[str, Any]:
    """A new refresh-token family and its first access token."""
    family = uuid.uuid4()
    refresh = refresh_token(family)
    expires = datetime.now(UTC) + timedelta(days=ctx.settings.refresh_token_days)
    await repo.insert_session(
        conn,
        org_id=org_id,
        session_id=family,
        user_id=user["id"],
        token_hash=digest(refresh),
        expires_at=expires,
        user_agent=client.user_agent,
        ip=client.ip,
    )
    access = ctx.signer.sign(
        user_id=str(user["id"]), org=slug, role=user["role"], session_id=str(family)
    )
    return token_response(access, refresh, ctx.signer.ttl, user)


async def activate_if_invited(conn: Connection, *, org_id: UUID, user: Any) -> Any:
    """First sign-in of an invited user makes them active (`user-activated`)."""
    if user["status"] != "invited":
        return user
    user = await repo.update_user(conn, org_id=org_id, user_id=user["id"], status="active")
    await emit(
        conn, events.UserActivated(**events.user_fields(user)), tenant=org_id, subject=user["id"]
    )
    return user


async def login(
    ctx: Auth, tenant: Identity, *, email: str, password: str, client: Client
) -> dict[str, Any]:
    org_id = UUID(tenant.org_id)
    keys = lockout.keys_for(email, client.ip)
    # A place in the hash line first (503 / 429 at once when there is none), then the
    # counters of the email and the address (429 while locked; this attempt counts).
    with ctx.passwords.reserve(client.ip) as place:
        async with tenant_tx(ctx.pool, org_id) as conn:
            await throttle.count_attempt(conn, org_id=org_id, keys=keys)
            user = await repo.get_user_by_email(conn, org_id=org_id, email=email)
        # Unknown email or no password yet: verified against a dummy hash, same cost.
        stored = user["password_hash"] if user else None
        ok = await ctx.passwords.verify(stored, password, place=place)
    async with tenant_tx(ctx.pool, org_id) as conn:
        if ok:
            await throttle.take_back(conn, org_id=org_id, keys=keys)
        if not ok:
            await repo.insert_audit(
                conn,
                org_id=org_id,
                action="login_failed",
                user_id=user["id"] if user else None,
                details={"email": email[:254]},
                ip=client.ip,
            )
        elif user is not None and user["status"] == "deactivated":
            await repo.insert_audit(
                conn,
                org_id=org_id,
                action="login_refused",
                user_id=user["id"],
                actor_id=user["id"],
                ip=client.ip,
            )
        elif user is not None:
            user = await activate_if_invited(conn, org_id=org_id, user=user)
            await repo.insert_audit(
                conn,
                org_id=org_id,
                action="login",
                user_id=user["id"],
                actor_id=user["id"],
                details={"method": "password"},
                ip=client.ip,
            )
            return await open_session(
                ctx, conn, org_id=org_id, slug=tenant.org_slug, user=user, client=client
            )
    if not ok:
        raise ApiError(401, INVALID_CREDENTIALS)
    raise ApiError(403, "Account is inactive")


async def refresh(ctx: Auth, tenant: Identity, *, token: str, client: Client) -> dict[str, Any]:
    org_id = UUID(tenant.org_id)
    family = family_of(token)
    if family is None:
        raise ApiError(401, INVALID_REFRESH)
    presented = digest(token)
    async with tenant_tx(ctx.pool, org_id) as conn:
        row = await repo.find_refresh(conn, org_id=org_id, token_hash=presented)
        if row is None or row["id"] != family:
            raise ApiError(401, INVALID_REFRESH)
        usable = (
            row["revoked_at"] is None
            and row["expires_at"] > datetime.now(UTC)
            and row["status"] != "deactivated"
        )
        if usable and row["current_hash"] == presented:
            new = refresh_token(family)
            await repo.rotate_session(
                conn,
                org_id=org_id,
                session_id=family,
                token_hash=digest(new),
                ip=client.ip,
                user_agent=client.user_agent,
            )
            user = {
                "id": row["user_id"],
                "name": row["name"],
                "email": row["email"],
                "role": row["role"],
            }
            access = ctx.signer.sign(
                user_id=str(row["user_id"]),
                org=tenant.org_slug,
                role=row["role"],
                session_id=str(family),
            )
            return token_response(access, new, ctx.signer.ttl, user)
        if usable:
            # A rotated token came back: someone holds a copy. End the whole family.
            await repo.revoke_session(conn, org_id=org_id, session_id=family)
            await repo.insert_audit(
                conn,
                org_id=org_id,
                action="refresh_reuse",
                user_id=row["user_id"],
                details={"session_id": str(family)},
                ip=client.ip,
            )
    raise ApiError(401, INVALID_REFRESH)


async def logout(ctx: Auth, tenant: Identity, *, token: str | None) -> None:
    """Ends the token's session; unknown or already-ended tokens are fine (idempotent)."""
    if not token or family_of(token) is None:
        return
    org_id = UUID(tenant.org_id)
    async with tenant_tx(ctx.pool, org_id) as conn:
        row = await repo.find_refresh(conn, org_id=org_id, token_hash=digest(token))
        if row is not None and await repo.revoke_session(conn, org_id=org_id, session_id=row["id"]):
            await repo.insert_audit(
                conn,
                org_id=org_id,
                action="logout",
                user_id=row["user_id"],
                actor_id=row["user_id"],
            )


async def revoke_user(
    conn: Connection,
    *,
    org_id: UUID,
    user_id: UUID,
    publish: bool = True,
    end_sessions: bool = True,
    keep: UUID | None = None,
) -> float:
    """Refuse the user's access tokens issued until now and (unless told otherwise) end
    their sessions, except `keep`."""
    at, at_dt = revocation_time()
    if end_sessions:
        await repo.revoke_user_sessions(conn, org_id=org_id, user_id=user_id, keep=keep)
    await repo.insert_revocation(conn, org_id=org_id, user_id=user_id, revoked_at=at_dt)
    if publish:
        await emit(
            conn,
            events.UserSessionsRevoked(
                id=str(user_id), user_id=str(user_id), org_id=str(org_id), revoked_at=at
            ),
            tenant=org_id,
            subject=user_id,
        )
    return at
