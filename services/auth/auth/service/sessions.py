"""Signing in and out: login, refresh-token rotation with reuse detection, logout, and a
user's own sessions (list, end one, end the others).

Every access token auth issues is signed by `open_session` or `refresh`, from the row
`signable_user` read and locked in the signing transaction.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
from servelo_common.db import tenant_tx
from servelo_common.errors import ApiError, NotFound
from servelo_common.events import emit
from servelo_common.identity import Identity

from auth import events
from auth.domain import Client, lockout
from auth.domain.orgs import ORG_SUSPENDED, Org
from auth.domain.sessions import (
    INVALID_CREDENTIALS,
    INVALID_REFRESH,
    RefreshedSession,
    Session,
    SessionTokens,
)
from auth.domain.users import AccountInactive, User
from auth.repository import orgs as orgs_repo
from auth.repository import sessions as repo
from auth.repository import users as users_repo
from auth.schemas.sessions import LoginInput, LogoutInput, RefreshInput
from auth.service import Auth, actor_of, session_of
from auth.service import audit as audit_trail
from auth.service import lockout as throttle
from auth.service.revocations import end_other_sessions, end_session
from auth.tokens import digest, family_of, refresh_token

SESSION_NOT_FOUND = "Session not found"


async def signable_user(conn: asyncpg.Connection, *, org_id: UUID, user_id: UUID) -> User:
    """The user a token is about to be signed for, read and locked in the signing
    transaction: a deactivation, role change or suspension either committed before (and is
    seen here) or waits for this transaction and revokes what it issues."""
    org = await orgs_repo.get_org(conn, org_id=org_id, lock=True)
    if org is None:
        raise ApiError(401, INVALID_CREDENTIALS, code="invalid_credentials")
    if not Org.from_row(org).active:
        raise ApiError(403, ORG_SUSPENDED, code="org_suspended")
    row = await users_repo.get_user(conn, org_id=org_id, user_id=user_id, for_update=True)
    if row is None:
        raise ApiError(401, INVALID_CREDENTIALS, code="invalid_credentials")
    user = User.from_row(row)
    user.ensure_can_sign_in()
    return user


async def _activate_if_invited(conn: asyncpg.Connection, *, user: User) -> User:
    """First sign-in of an invited user makes them active (`user-activated`)."""
    status = user.activation()
    if status is None:
        return user
    user = User.from_row(
        await users_repo.update_user(
            conn, org_id=user.org_id, user_id=user.id, changes={"status": status}
        )
    )
    await emit(conn, events.UserActivated.of(user), tenant=user.org_id, subject=user.id)
    return user


def _sign(ctx: Auth, *, ident: Identity, user: User, session_id: UUID) -> str:
    """Every access token auth issues is signed here, from a `signable_user` row."""
    return ctx.signer.sign(
        user_id=str(user.id),
        org=ident.org_slug,
        org_id=str(user.org_id),
        role=user.role,
        session_id=str(session_id),
    )


async def open_session(
    ctx: Auth,
    conn: asyncpg.Connection,
    *,
    ident: Identity,
    user_id: UUID,
    client: Client,
    how: dict[str, Any],
    password_hash: str | None = None,
) -> SessionTokens:
    """A sign-in: a new refresh-token family and its first access token, and `login` in the
    audit trail with `how` (the method). `password_hash`: the hash the caller verified,
    which must still be the user's (it may have changed meanwhile)."""
    await audit_trail.record(
        conn,
        org_id=ident.org_uuid,
        action="login",
        user_id=user_id,
        actor_id=user_id,
        details=how,
        ip=client.ip,
    )
    user = await signable_user(conn, org_id=ident.org_uuid, user_id=user_id)
    if password_hash is not None and user.password_hash != password_hash:
        raise ApiError(401, INVALID_CREDENTIALS, code="invalid_credentials")
    user = await _activate_if_invited(conn, user=user)
    family = uuid.uuid4()
    refresh = refresh_token(family)
    await repo.insert_session(
        conn,
        org_id=user.org_id,
        session_id=family,
        user_id=user.id,
        token_hash=digest(refresh),
        expires_at=datetime.now(UTC) + timedelta(days=ctx.settings.refresh_token_days),
        user_agent=client.user_agent,
        ip=client.ip,
    )
    access = _sign(ctx, ident=ident, user=user, session_id=family)
    return SessionTokens(access, refresh, ctx.signer.ttl, user)


async def login(ctx: Auth, *, ident: Identity, data: LoginInput, client: Client) -> SessionTokens:
    org_id = ident.org_uuid
    keys = lockout.keys_for(data.email, client.ip)
    # A place in the hash line first (503 / 429 at once when there is none), then the
    # counters of the email and the address (429 while locked; this attempt counts).
    with ctx.passwords.reserve(client.ip) as place:
        async with tenant_tx(ctx.pool, org_id) as conn:
            await throttle.count_attempt(conn, org_id=org_id, keys=keys)
            row = await users_repo.get_user_by_email(conn, org_id=org_id, email=data.email)
        user = None if row is None else User.from_row(row)
        # Unknown email or no password yet: verified against a dummy hash, same cost.
        stored = user.password_hash if user else None
        ok = await ctx.passwords.verify(stored, data.password, place=place)
    async with tenant_tx(ctx.pool, org_id) as conn:
        if ok:
            await throttle.take_back(conn, org_id=org_id, keys=keys)
        if not ok or user is None:
            await audit_trail.record(
                conn,
                org_id=org_id,
                action="login_failed",
                user_id=user.id if user else None,
                details={"email": data.email[:254]},
                ip=client.ip,
            )
        elif not user.can_sign_in:
            await audit_trail.record(
                conn,
                org_id=org_id,
                action="login_refused",
                user_id=user.id,
                actor_id=user.id,
                ip=client.ip,
            )
        else:
            return await open_session(
                ctx,
                conn,
                ident=ident,
                user_id=user.id,
                client=client,
                how={"method": "password"},
                password_hash=user.password_hash,
            )
    if not ok:
        raise ApiError(401, INVALID_CREDENTIALS, code="invalid_credentials")
    raise AccountInactive()


async def refresh(
    ctx: Auth, *, ident: Identity, data: RefreshInput, client: Client
) -> SessionTokens:
    org_id = ident.org_uuid
    family = family_of(data.refresh_token)
    if family is None:
        raise ApiError(401, INVALID_REFRESH, code="invalid_refresh_token")
    presented = digest(data.refresh_token)
    async with tenant_tx(ctx.pool, org_id) as conn:
        row = await repo.find_refresh(conn, org_id=org_id, token_hash=presented)
        session = None if row is None else RefreshedSession.from_row(row)
        if session is None or session.id != family:
            raise ApiError(401, INVALID_REFRESH, code="invalid_refresh_token")
        usable = session.usable(datetime.now(UTC))
        if usable and not session.rotated_away(presented):
            user = await signable_user(conn, org_id=org_id, user_id=session.user_id)
            new = refresh_token(family)
            await repo.rotate_session(
                conn,
                org_id=org_id,
                session_id=family,
                token_hash=digest(new),
                ip=client.ip,
                user_agent=client.user_agent,
            )
            access = _sign(ctx, ident=ident, user=user, session_id=family)
            return SessionTokens(access, new, ctx.signer.ttl, user)
        if usable:
            # A rotated token came back: someone holds a copy. End the whole family, and
            # the access tokens it issued.
            await end_session(conn, org_id=org_id, session_id=family, reason="refresh_reuse")
            await audit_trail.record(
                conn,
                org_id=org_id,
                action="refresh_reuse",
                user_id=session.user_id,
                details={"session_id": str(family)},
                ip=client.ip,
            )
    raise ApiError(401, INVALID_REFRESH, code="invalid_refresh_token")


async def logout(ctx: Auth, *, ident: Identity, data: LogoutInput) -> None:
    """Ends the token's session; unknown or already-ended tokens are fine (idempotent)."""
    token = data.refresh_token
    if not token or family_of(token) is None:
        return
    org_id = ident.org_uuid
    async with tenant_tx(ctx.pool, org_id) as conn:
        row = await repo.find_refresh(conn, org_id=org_id, token_hash=digest(token))
        if row is None:
            return
        session = RefreshedSession.from_row(row)
        if await end_session(conn, org_id=org_id, session_id=session.id, reason="logout"):
            await audit_trail.record(
                conn,
                org_id=org_id,
                action="logout",
                user_id=session.user_id,
                actor_id=session.user_id,
            )


async def list_sessions(ctx: Auth, *, ident: Identity) -> list[Session]:
    org_id, current = ident.org_uuid, session_of(ident)
    async with tenant_tx(ctx.pool, org_id, readonly=True) as conn:
        rows = await repo.list_sessions(conn, org_id=org_id, user_id=actor_of(ident))
    return [Session.from_row(r, current=current) for r in rows]


async def revoke_session(ctx: Auth, *, ident: Identity, session_id: UUID) -> None:
    """End one of the caller's sessions; its access tokens are refused at once (the
    caller's own, if it is the current session: that is signing out)."""
    org_id, user_id = ident.org_uuid, actor_of(ident)
    async with tenant_tx(ctx.pool, org_id) as conn:
        ended = await end_session(
            conn, org_id=org_id, session_id=session_id, user_id=user_id, reason="session_revoked"
        )
        if not ended:
            raise NotFound(SESSION_NOT_FOUND)
        await audit_trail.record(
            conn,
            org_id=org_id,
            action="session_revoked",
            actor_id=user_id,
            user_id=user_id,
            details={"session_id": str(session_id)},
        )


async def revoke_other_sessions(ctx: Auth, *, ident: Identity) -> None:
    """End every other session of the caller; the current one (and its token) goes on."""
    org_id, user_id = ident.org_uuid, actor_of(ident)
    async with tenant_tx(ctx.pool, org_id) as conn:
        await end_other_sessions(
            conn, org_id=org_id, user_id=user_id, keep=session_of(ident), reason="sessions_revoked"
        )
        await audit_trail.record(
            conn, org_id=org_id, action="sessions_revoked", actor_id=user_id, user_id=user_id
        )
