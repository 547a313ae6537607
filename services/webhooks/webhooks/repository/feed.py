"""The feed: `events` and the per-org counter `feed_counters`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from servelo_common.repository import affected
from servelo_common.sql import Where

from webhooks.repository import Record

CHANNEL = "servelo_feed_webhooks"


async def next_sequence(conn: asyncpg.Connection, *, org_id: UUID) -> int:
    """The org's next number. The counter row stays locked until commit, so feed writes of
    one org commit in sequence order: a reader never sees n + 1 before n."""
    value: int = await conn.fetchval(
        "INSERT INTO feed_counters (org_id, last_sequence) VALUES ($1, 1)"
        " ON CONFLICT (org_id) DO UPDATE SET last_sequence = feed_counters.last_sequence + 1"
        " RETURNING last_sequence",
        org_id,
    )
    return value


async def insert_event(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    sequence: int,
    event_id: UUID,
    event_type: str,
    event: dict[str, Any],
) -> None:
    await conn.execute(
        "INSERT INTO events (org_id, sequence, id, type, event) VALUES ($1, $2, $3, $4, $5)",
        org_id,
        sequence,
        event_id,
        event_type,
        event,
    )


async def list_events(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    after: int,
    types: Sequence[str] | None,
    limit: int,
) -> list[Record]:
    where = Where().add("org_id = {}", org_id).add("sequence > {}", after)
    if types:
        where.add("type = ANY({}::text[])", list(types))
    return list(
        await conn.fetch(
            f"SELECT sequence, event FROM events{where.sql}"  # noqa: S608
            f" ORDER BY sequence LIMIT {where.param(limit)}",
            *where.params,
        )
    )


async def get_event(conn: asyncpg.Connection, *, org_id: UUID, event_id: UUID) -> Record | None:
    return await conn.fetchrow(
        "SELECT sequence, event FROM events WHERE org_id = $1 AND id = $2", org_id, event_id
    )


async def delete_older_than(conn: asyncpg.Connection, *, before: datetime, batch: int) -> int:
    """One batch of events received before `before` (every org: the janitor's system_tx)."""
    status = await conn.execute(
        "DELETE FROM events WHERE ctid = ANY(ARRAY("
        "SELECT ctid FROM events WHERE received_at < $1 LIMIT $2))",
        before,
        batch,
    )
    return affected(status)


async def delete_inbox_older_than(
    conn: asyncpg.Connection, *, consumer: str, before: datetime
) -> int:
    """Handled event ids JetStream can no longer redeliver (older than the feed keeps)."""
    status = await conn.execute(
        "DELETE FROM inbox WHERE consumer = $1 AND handled_at < $2", consumer, before
    )
    return affected(status)
