"""One-time sign-in links (stored as digests) and the queue of requests for them."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from auth.repository import Record


async def insert_magic_link(
    conn: asyncpg.Connection,
    *,
    link_id: UUID,
    org_id: UUID,
    user_id: UUID,
    token_hash: bytes,
    purpose: str,
    expires_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO magic_links (id, org_id, user_id, token_hash, purpose, expires_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        link_id,
        org_id,
        user_id,
        token_hash,
        purpose,
        expires_at,
    )


async def use_magic_link(
    conn: asyncpg.Connection, *, org_id: UUID, token_hash: bytes
) -> Record | None:
    """Atomic single use: of concurrent redemptions only one UPDATE matches the row."""
    return await conn.fetchrow(
        "UPDATE magic_links SET used_at = now() WHERE org_id = $1 AND token_hash = $2"
        " AND used_at IS NULL AND expires_at > now() RETURNING *",
        org_id,
        token_hash,
    )


async def recent_link_sent(
    conn: asyncpg.Connection, *, org_id: UUID, user_id: UUID, seconds: int
) -> bool:
    """Whether a self-service (`login`) link went to the user in the last `seconds`."""
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM magic_links WHERE org_id = $1 AND user_id = $2"
            " AND purpose = 'login' AND created_at > now() - make_interval(secs => $3))",
            org_id,
            user_id,
            float(seconds),
        )
    )


async def insert_link_request(
    conn: asyncpg.Connection, *, org_id: UUID, email: str, ip: str | None
) -> None:
    await conn.execute(
        "INSERT INTO magic_link_requests (org_id, email, ip) VALUES ($1, $2, $3)",
        org_id,
        email,
        ip,
    )


async def pending_link_requests(conn: asyncpg.Connection, *, limit: int) -> list[Record]:
    """Oldest first, across orgs (a `system_tx`; each is then taken in its tenant's)."""
    return list(
        await conn.fetch(
            "SELECT id, org_id FROM magic_link_requests ORDER BY id LIMIT $1",
            limit,
        )
    )


async def take_link_request(
    conn: asyncpg.Connection, *, org_id: UUID, request_id: int
) -> Record | None:
    """The request, deleted in this transaction; None when another worker has it or had it."""
    row = await conn.fetchrow(
        "SELECT * FROM magic_link_requests WHERE org_id = $1 AND id = $2 FOR UPDATE SKIP LOCKED",
        org_id,
        request_id,
    )
    if row is not None:
        await conn.execute("DELETE FROM magic_link_requests WHERE id = $1", request_id)
    return row
