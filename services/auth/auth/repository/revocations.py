"""Revocations: what the gateway refuses, kept a day (it reloads the last 20 minutes)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from auth.repository import Record


async def insert_revocations(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    scope: str,
    subject_ids: list[UUID],
    revoked_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO revocations (org_id, scope, subject_id, revoked_at)"
        " SELECT $1, $2, unnest($3::uuid[]), $4",
        org_id,
        scope,
        subject_ids,
        revoked_at,
    )


async def recent_revocations(conn: asyncpg.Connection, *, since: datetime) -> list[Record]:
    """The latest revocation of each (scope, subject) since `since`, across tenants (a
    `system_tx`)."""
    return list(
        await conn.fetch(
            "SELECT scope, subject_id, max(revoked_at) AS revoked_at FROM revocations"
            " WHERE revoked_at >= $1 GROUP BY scope, subject_id",
            since,
        )
    )
