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
