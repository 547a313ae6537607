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

from auth import events
from auth import repository as repo
from auth.context import Auth, Client, revocation_time, token_response
from auth.tokens import digest, family_of, refresh_token

INVALID_CREDENTIALS = "Invalid credentials"
INVALID_REFRESH = "Invalid or expired refresh token"
ACCOUNT_INACTIVE = "Account is inactive"
ORG_SUSPENDED = "Organization is suspended"


async def open_session(
    ctx: Auth,
    conn: Connection,
    *,
    org_id: UUID,
    slug: str,
    user_id: UUID,
    client: Client,
    password_hash: str | None = None,
) -> dict[str, Any]:
    """A new refresh-token family and its first access token. `password_hash`: the hash the
    caller verified, which must still be the user's (it may have changed meanwhile)."""
    user = await signable_user(conn, org_id=org_id, user_id=user_id)
    if password_hash is not None and user["password_hash"] != password_hash:
        raise ApiError(401, INVALID_CREDENTIALS)
    user = await activate_if_invited(conn, org_id=org_id, user=user)
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
    access = _sign(ctx, org_id=org_id, slug=slug, user=user, session_id=family)
    return token_response(access, refresh, ctx.signer.ttl, user)


async def signable_user(conn: Connection, *, org_id: UUID, user_id: UUID) -> Any:
    """The user a token is about to be signed for, read and locked in the signing
    transaction: a deactivation, role change or suspension either committed before (and is
    seen here) or waits for this transaction and revokes what it issues."""
    org = await repo.get_org(conn, org_id=org_id, lock=True)
    if org is None:
        raise ApiError(401, INVALID_CREDENTIALS)
    if not org["active"]:
        raise ApiError(403, ORG_SUSPENDED)
    user = await repo.get_user(conn, org_id=org_id, user_id=user_id, for_update=True)
    if user is None:
        raise ApiError(401, INVALID_CREDENTIALS)
    if user["status"] == "deactivated":
        raise ApiError(403, ACCOUNT_INACTIVE)
    return user


async def activate_if_invited(conn: Connection, *, org_id: UUID, user: Any) -> Any:
    """First sign-in of an invited user makes them active (`user-activated`)."""
    if user["status"] != "invited":
        return user
    user = await repo.update_user(conn, org_id=org_id, user_id=user["id"], status="active")
    await emit(
        conn, events.UserActivated(**events.user_fields(user)), tenant=org_id, subject=user["id"]
    )
    return user


def _sign(ctx: Auth, *, org_id: UUID, slug: str, user: Any, session_id: UUID) -> str:
    """Every access token auth issues is signed here, from a `signable_user` row."""
    return ctx.signer.sign(
        user_id=str(user["id"]),
        org=slug,
        org_id=str(org_id),
        role=user["role"],
        session_id=str(session_id),
    )


async def login(
    ctx: Auth, tenant: Identity, *, email: str, password: str, client: Client
) -> dict[str, Any]:
    org_id = UUID(tenant.org_id)
    async with tenant_tx(ctx.pool, org_id) as conn:
        user = await repo.get_user_by_email(conn, org_id=org_id, email=email)
    # Unknown email or no password yet: verified against a dummy hash, same cost.
    ok = await ctx.passwords.verify(user["password_hash"] if user else None, password)
    async with tenant_tx(ctx.pool, org_id) as conn:
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
                ctx,
                conn,
                org_id=org_id,
                slug=tenant.org_slug,
                user_id=user["id"],
                client=client,
                password_hash=user["password_hash"],
            )
    if not ok:
        raise ApiError(401, INVALID_CREDENTIALS)
    raise ApiError(403, ACCOUNT_INACTIVE)


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
            user = await signable_user(conn, org_id=org_id, user_id=row["user_id"])
            new = refresh_token(family)
            await repo.rotate_session(
                conn,
                org_id=org_id,
                session_id=family,
                token_hash=digest(new),
                ip=client.ip,
                user_agent=client.user_agent,
            )
            access = _sign(ctx, org_id=org_id, slug=tenant.org_slug, user=user, session_id=family)
            return token_response(access, new, ctx.signer.ttl, user)
        if usable:
            # A rotated token came back: someone holds a copy. End the whole family, and
            # the access tokens it issued.
            await end_session(conn, org_id=org_id, session_id=family, reason="refresh_reuse")
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
        if row is not None and await end_session(
            conn, org_id=org_id, session_id=row["id"], reason="logout"
        ):
            await repo.insert_audit(
                conn,
                org_id=org_id,
                action="logout",
                user_id=row["user_id"],
                actor_id=row["user_id"],
            )


# -- revocation: the gateway refuses tokens of a scope issued before the instant ---------


async def revoke(
    conn: Connection, *, org_id: UUID, scope: str, ids: list[UUID], reason: str
) -> float:
    """Refuse the access tokens of `ids` (users, sessions or the org itself, by `scope`)
    issued until now: recorded for the gateway's snapshot and published for its cache."""
    at, at_dt = revocation_time()
    if not ids:
        return at
    await repo.insert_revocations(
        conn, org_id=org_id, scope=scope, subject_ids=ids, revoked_at=at_dt
    )
    await emit(
        conn,
        events.TokensRevoked(
            org_id=str(org_id), scope=scope, ids=[str(i) for i in ids], reason=reason, revoked_at=at
        ),
        tenant=org_id,
        subject=ids[0] if len(ids) == 1 else org_id,
    )
    return at


async def revoke_user(conn: Connection, *, org_id: UUID, user_id: UUID, reason: str) -> float:
    """Every access token of the user, and every session (deactivation, deletion)."""
    await repo.revoke_user_sessions(conn, org_id=org_id, user_id=user_id)
    return await revoke(conn, org_id=org_id, scope="user", ids=[user_id], reason=reason)


async def end_session(
    conn: Connection, *, org_id: UUID, session_id: UUID, reason: str, user_id: UUID | None = None
) -> bool:
    """End one session (of `user_id`, if given) and refuse its access tokens; False when it
    had already ended or is not theirs."""
    if not await repo.revoke_session(conn, org_id=org_id, session_id=session_id, user_id=user_id):
        return False
    await revoke(conn, org_id=org_id, scope="session", ids=[session_id], reason=reason)
    return True


async def end_other_sessions(
    conn: Connection, *, org_id: UUID, user_id: UUID, keep: UUID | None, reason: str
) -> None:
    """End every session of the user except `keep` (the caller's), with their tokens."""
    ended = await repo.revoke_user_sessions(conn, org_id=org_id, user_id=user_id, keep=keep)
    await revoke(conn, org_id=org_id, scope="session", ids=ended, reason=reason)
