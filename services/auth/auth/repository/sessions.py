"""Sessions (refresh-token families) and every refresh token each one issued."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from auth.repository import Record, updated


async def insert_session(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    session_id: UUID,
    user_id: UUID,
    token_hash: bytes,
    expires_at: datetime,
    user_agent: str | None,
    ip: str | None,
) -> None:
    await conn.execute(
        "INSERT INTO sessions (id, org_id, user_id, current_hash, expires_at, user_agent, ip)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        session_id,
        org_id,
        user_id,
        token_hash,
        expires_at,
        user_agent,
        ip,
    )
    await _remember_token(conn, org_id=org_id, session_id=session_id, token_hash=token_hash)


async def _remember_token(
    conn: asyncpg.Connection, *, org_id: UUID, session_id: UUID, token_hash: bytes
) -> None:
    await conn.execute(
        "INSERT INTO refresh_tokens (token_hash, org_id, session_id) VALUES ($1, $2, $3)",
        token_hash,
        org_id,
        session_id,
    )


async def find_refresh(
    conn: asyncpg.Connection, *, org_id: UUID, token_hash: bytes
) -> Record | None:
    """The session a refresh token belongs to, locked, with its user's status."""
    return await conn.fetchrow(
        "SELECT s.*, u.status AS user_status FROM refresh_tokens t"
        " JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id"
        " WHERE t.org_id = $1 AND t.token_hash = $2 FOR UPDATE OF s",
        org_id,
        token_hash,
    )


async def rotate_session(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    session_id: UUID,
    token_hash: bytes,
    ip: str | None,
    user_agent: str | None,
) -> None:
    await conn.execute(
        "UPDATE sessions SET current_hash = $3, last_used_at = now(),"
        " ip = COALESCE($4, ip), user_agent = COALESCE($5, user_agent)"
        " WHERE org_id = $1 AND id = $2",
        org_id,
        session_id,
        token_hash,
        ip,
        user_agent,
    )
    await _remember_token(conn, org_id=org_id, session_id=session_id, token_hash=token_hash)


async def end_session(
    conn: asyncpg.Connection, *, org_id: UUID, session_id: UUID, user_id: UUID | None = None
) -> bool:
    """End a live session (of `user_id`, if given); False when it had ended or is not theirs."""
    status = await conn.execute(
        "UPDATE sessions SET revoked_at = now() WHERE org_id = $1 AND id = $2"
        " AND ($3::uuid IS NULL OR user_id = $3) AND revoked_at IS NULL",
        org_id,
        session_id,
        user_id,
    )
    return updated(status)


async def end_user_sessions(
    conn: asyncpg.Connection, *, org_id: UUID, user_id: UUID, keep: UUID | None = None
) -> list[UUID]:
    """End the user's live sessions except `keep`; the ids of those ended."""
    rows = await conn.fetch(
        "UPDATE sessions SET revoked_at = now() WHERE org_id = $1 AND user_id = $2"
        " AND revoked_at IS NULL AND ($3::uuid IS NULL OR id <> $3) RETURNING id",
        org_id,
        user_id,
        keep,
    )
    return [r["id"] for r in rows]


async def signed_in_at(
    conn: asyncpg.Connection, *, org_id: UUID, session_id: UUID, user_id: UUID
) -> datetime | None:
    """When the live session was opened (a sign-in: refreshes do not move it)."""
    value: datetime | None = await conn.fetchval(
        "SELECT created_at FROM sessions WHERE org_id = $1 AND id = $2 AND user_id = $3"
        " AND revoked_at IS NULL",
        org_id,
        session_id,
        user_id,
    )
    return value


async def list_sessions(conn: asyncpg.Connection, *, org_id: UUID, user_id: UUID) -> list[Record]:
    """The user's live sessions, most recently used first (at most 500)."""
    return list(
        await conn.fetch(
            "SELECT id, created_at, last_used_at, expires_at, user_agent, ip FROM sessions"
            " WHERE org_id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > now()"
            " ORDER BY last_used_at DESC, id LIMIT 500",
            org_id,
            user_id,
        )
    )
