"""The audit trail of sign-in and account events."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg
from servelo_common.sql import Where

from auth.repository import Record


async def insert_audit(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    action: str,
    actor_id: UUID | None = None,
    user_id: UUID | None = None,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO audit_log (id, org_id, actor_id, user_id, action, details, ip)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        uuid.uuid4(),
        org_id,
        actor_id,
        user_id,
        action,
        details or {},
        ip,
    )


async def take_event_budget(
    conn: asyncpg.Connection, *, org_id: UUID, kind: str, per_minute: int
) -> bool:
    """Whether this minute's budget of `kind` events for the org has room left (and take
    one); the row is per org and kind, so replicas share it."""
    used: int = await conn.fetchval(
        "INSERT INTO event_budget AS b (org_id, kind, window_start, used)"
        " VALUES ($1, $2, date_trunc('minute', clock_timestamp()), 1)"
        " ON CONFLICT (org_id, kind) DO UPDATE SET"
        " used = CASE WHEN b.window_start = EXCLUDED.window_start"
        " THEN least(b.used + 1, $3 + 1) ELSE 1 END,"
        " window_start = EXCLUDED.window_start"
        " RETURNING used",
        org_id,
        kind,
        per_minute,
    )
    return used <= per_minute


async def list_audit(
    conn: asyncpg.Connection, *, org_id: UUID, limit: int, after: Sequence[Any] | None
) -> list[Record]:
    """Newest first, keyset-paged on (created_at, id)."""
    where = Where().add("org_id = {}", org_id)
    sql = where.page(
        "SELECT * FROM audit_log",
        order=("created_at", "id"),
        descending=True,
        limit=limit,
        after=after,
    )
    return list(await conn.fetch(sql, *where.params))
