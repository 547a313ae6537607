"""The feed: `events` and the per-org counter `feed_counters`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import orjson
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


async def record_events(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    event_ids: Sequence[UUID],
    event_types: Sequence[str],
    events: Sequence[dict[str, Any]],
) -> None:
    """Several events of one org in one statement, numbered in their order (the counter
    moves by their count and stays locked until commit, as in `next_sequence`), each with
    one pending delivery per active endpoint of the org that wants its type (as `fan_out`
    does for one)."""
    await conn.execute(
        "WITH n AS (SELECT * FROM unnest($2::uuid[], $3::text[], $4::text[])"
        "   WITH ORDINALITY AS n(id, type, event, ord)),"
        " s AS (INSERT INTO feed_counters (org_id, last_sequence) VALUES ($1, $5)"
        "   ON CONFLICT (org_id) DO UPDATE SET last_sequence = feed_counters.last_sequence + $5"
        "   RETURNING last_sequence),"
        " e AS (INSERT INTO events (org_id, sequence, id, type, event)"
        "   SELECT $1, s.last_sequence - $5 + n.ord, n.id, n.type, n.event::json FROM n, s)"
        " INSERT INTO deliveries (id, org_id, endpoint_id, event_id, type, next_attempt_at)"
        " SELECT delivery_id(en.id, n.id), en.org_id, en.id, n.id, n.type, now()"
        " FROM n JOIN endpoints en ON en.org_id = $1 AND en.active"
        "  AND (n.type = ANY(en.events) OR '*' = ANY(en.events))"
        " ON CONFLICT (id) DO NOTHING",
        org_id,
        list(event_ids),
        list(event_types),
        [orjson.dumps(e).decode() for e in events],
        len(event_ids),
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
