"""Revocations: the gateway refuses the access tokens of a scope issued before an instant.

The functions taking a connection are steps of other use cases' transactions (a
deactivation, a password change, a logout...): the revocation commits with the change.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from uuid import UUID

import asyncpg
from servelo_common.db import system_tx
from servelo_common.events import emit

from auth import events
from auth.domain.revocations import RECENT_WINDOW, Revocation, Scope, revocation_time
from auth.repository import revocations as repo
from auth.repository import sessions as sessions_repo
from auth.service import Auth


async def revoke(
    conn: asyncpg.Connection, *, org_id: UUID, scope: Scope, ids: list[UUID], reason: str
) -> float:
    """Refuse the access tokens of `ids` (users, sessions or the org itself, by `scope`)
    issued until now: recorded for the gateway's snapshot and published for its cache."""
    at, at_dt = revocation_time()
    if not ids:
        return at
    await repo.insert_revocations(
        conn, org_id=org_id, scope=scope.value, subject_ids=ids, revoked_at=at_dt
    )
    await emit(
        conn,
        events.TokensRevoked(
            org_id=str(org_id),
            scope=scope.value,
            ids=[str(i) for i in ids],
            reason=reason,
            revoked_at=at,
        ),
        tenant=org_id,
        subject=ids[0] if len(ids) == 1 else org_id,
    )
    return at


async def revoke_user(
    conn: asyncpg.Connection, *, org_id: UUID, user_id: UUID, reason: str
) -> float:
    """Every access token of the user, and every session (deactivation, deletion)."""
    await sessions_repo.end_user_sessions(conn, org_id=org_id, user_id=user_id)
    return await revoke(conn, org_id=org_id, scope=Scope.USER, ids=[user_id], reason=reason)


async def end_session(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    session_id: UUID,
    reason: str,
    user_id: UUID | None = None,
) -> bool:
    """End one session (of `user_id`, if given) and refuse its access tokens; False when it
    had already ended or is not theirs."""
    if not await sessions_repo.end_session(
        conn, org_id=org_id, session_id=session_id, user_id=user_id
    ):
        return False
    await revoke(conn, org_id=org_id, scope=Scope.SESSION, ids=[session_id], reason=reason)
    return True


async def end_other_sessions(
    conn: asyncpg.Connection, *, org_id: UUID, user_id: UUID, keep: UUID | None, reason: str
) -> None:
    """End every session of the user except `keep` (the caller's), with their tokens."""
    ended = await sessions_repo.end_user_sessions(conn, org_id=org_id, user_id=user_id, keep=keep)
    await revoke(conn, org_id=org_id, scope=Scope.SESSION, ids=ended, reason=reason)


async def recent_revocations(ctx: Auth) -> list[Revocation]:
    """The revocations of the last `RECENT_WINDOW` seconds, every tenant's: the gateway's
    snapshot (tokens of that age have expired anyway)."""
    since = datetime.fromtimestamp(time.time() - RECENT_WINDOW, UTC)
    async with system_tx(ctx.pool) as conn:
        rows = await repo.recent_revocations(conn, since=since)
    return [Revocation.from_row(r) for r in rows]
