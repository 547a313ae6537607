"""Deliveries: the `deliveries` table. The tenant's views (list, get, redeliver, the test
event, the fan-out of an event) and the dispatcher's cross-tenant claims and results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from servelo_common.repository import affected, list_page, one
from servelo_common.sql import Where

from webhooks.repository import Record

CHANNEL = "servelo_deliveries_webhooks"


async def list_deliveries(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    endpoint_id: UUID,
    status: str | None,
    limit: int,
    before: Sequence[Any] | None,
    since: datetime | None = None,
) -> list[Record]:
    """Newest first; changed since `since`: by (updated_at, id)."""
    where = (
        Where()
        .add("org_id = {}", org_id)
        .add("endpoint_id = {}", endpoint_id)
        .when(status, "status = {}")
    )
    return await list_page(
        conn,
        "SELECT * FROM deliveries",
        where,
        order=("created_at", "id"),
        descending=True,
        limit=limit,
        after=before,
        since=since,
    )


async def get_delivery(
    conn: asyncpg.Connection, *, org_id: UUID, endpoint_id: UUID, delivery_id: UUID
) -> Record | None:
    return await conn.fetchrow(
        "SELECT * FROM deliveries WHERE org_id = $1 AND endpoint_id = $2 AND id = $3",
        org_id,
        endpoint_id,
        delivery_id,
    )


async def fan_out(
    conn: asyncpg.Connection, *, org_id: UUID, event_id: UUID, event_type: str
) -> int:
    """One pending delivery per active endpoint of the org that wants the type (none twice:
    the id is derived from the endpoint and the event, migration 0007)."""
    status = await conn.execute(
        "INSERT INTO deliveries (id, org_id, endpoint_id, event_id, type, next_attempt_at)"
        " SELECT delivery_id(id, $2), org_id, id, $2, $3, now() FROM endpoints"
        " WHERE org_id = $1 AND active AND ($3 = ANY(events) OR '*' = ANY(events))"
        " ON CONFLICT (id) DO NOTHING",
        org_id,
        event_id,
        event_type,
    )
    return affected(status)


async def insert_delivery(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    endpoint_id: UUID,
    event_id: UUID,
    event_type: str,
    payload: dict[str, Any],
) -> Record:
    """A delivery of an event that is not in the feed (the test event): it keeps its body."""
    return await one(
        conn,
        "INSERT INTO deliveries (id, org_id, endpoint_id, event_id, type, payload, next_attempt_at)"
        " VALUES (delivery_id($2, $3), $1, $2, $3, $4, $5, now()) RETURNING *",
        org_id,
        endpoint_id,
        event_id,
        event_type,
        payload,
    )


async def redeliver(
    conn: asyncpg.Connection, *, org_id: UUID, endpoint_id: UUID, delivery_id: UUID
) -> Record | None:
    """Pending again, due now, with a fresh retry window; attempts keep counting."""
    return await conn.fetchrow(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = now(), retry_from = now(),"
        " updated_at = now() WHERE org_id = $1 AND endpoint_id = $2 AND id = $3 RETURNING *",
        org_id,
        endpoint_id,
        delivery_id,
    )


async def wake_dispatchers(conn: asyncpg.Connection) -> None:
    """Inserts notify by trigger; a redelivery (an update) says so itself."""
    await conn.execute("SELECT pg_notify($1, '')", CHANNEL)


async def fail_pending(
    conn: asyncpg.Connection, *, org_id: UUID, endpoint_id: UUID, error: str
) -> int:
    """Give up every pending delivery of an endpoint (it was disabled)."""
    status = await conn.execute(
        "UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, claimed_until = NULL,"
        " error = COALESCE(error, $3), updated_at = now()"
        " WHERE org_id = $1 AND endpoint_id = $2 AND status = 'pending'",
        org_id,
        endpoint_id,
        error,
    )
    return affected(status)


# --- the dispatcher (every tenant: called in a system_tx) -----------------------------------


async def claim_due(
    conn: asyncpg.Connection,
    *,
    per_endpoint: int,
    inflight: Mapping[UUID, int],
    limit: int,
    lease_seconds: float,
    floors: Mapping[UUID, datetime] | None = None,
) -> list[Record]:
    """Lease due deliveries of active endpoints: per endpoint at most `per_endpoint` minus
    its attempts `inflight` (the oldest due), at most `limit` in all. One statement: rows
    are locked with SKIP LOCKED (replicas take different ones) and leased for
    `lease_seconds` (no other dispatcher takes them until then: a crashed replica's claims
    come back once the lease has run out).

    Endpoints are visited in a random order and the scan stops at `limit`: a claim locks
    only about the rows it can use, and every endpoint gets its turn. The per-endpoint
    index range keeps a slow endpoint's backlog from hiding the others' due rows.

    `floors`: per endpoint, the `next_attempt_at` below which its due range is not read.
    Deliveries that succeeded keep their entry in the due index until a vacuum, at the
    head of their endpoint's range (the oldest `next_attempt_at`), so a scan from the start
    steps over everything the endpoint completed since the last vacuum, on every claim
    (docs/benchmarks-webhooks.md). The caller must claim without floors now and then: a
    floor may skip a row that committed late.

    `body` is the event's JSON as stored (`json` keeps the text), sent as it is: not
    decoded and encoded again for each of its deliveries; NULL once the event is gone."""
    floors = floors or {}
    return list(
        await conn.fetch(
            "WITH c AS ("
            " SELECT d.id, d.org_id, d.endpoint_id, d.event_id, d.attempts, d.retry_from,"
            "  d.next_attempt_at, e.url, COALESCE(d.payload, f.event)::text AS body"
            " FROM (SELECT en.id, en.url, $1 - COALESCE(b.n, 0) AS room,"
            "       COALESCE(fl.at, '-infinity') AS floor FROM endpoints en"
            "       LEFT JOIN unnest($2::uuid[], $3::int[]) AS b(id, n) ON b.id = en.id"
            "       LEFT JOIN unnest($6::uuid[], $7::timestamptz[]) AS fl(id, at) ON fl.id = en.id"
            "       WHERE en.active AND $1 - COALESCE(b.n, 0) > 0 ORDER BY random()) e"
            " CROSS JOIN LATERAL ("
            "   SELECT * FROM deliveries d"
            "   WHERE d.endpoint_id = e.id AND d.status = 'pending'"
            "     AND d.next_attempt_at >= e.floor AND d.next_attempt_at <= now()"
            "     AND (d.claimed_until IS NULL OR d.claimed_until < now())"
            "   ORDER BY d.next_attempt_at LIMIT e.room FOR UPDATE OF d SKIP LOCKED) d"
            " LEFT JOIN events f ON f.org_id = d.org_id AND f.id = d.event_id"
            " LIMIT $4)"
            " UPDATE deliveries u SET claimed_until = now() + make_interval(secs => $5)"
            " FROM c WHERE u.id = c.id"
            " RETURNING c.*",
            per_endpoint,
            list(inflight),
            list(inflight.values()),
            limit,
            lease_seconds,
            list(floors),
            list(floors.values()),
        )
    )


async def record_successes(
    conn: asyncpg.Connection,
    *,
    delivery_ids: Sequence[UUID],
    statuses: Sequence[int],
    durations: Sequence[int],
) -> None:
    await conn.execute(
        "UPDATE deliveries d SET status = 'succeeded', attempts = d.attempts + 1,"
        " response_status = r.status, duration_ms = r.ms, error = NULL, next_attempt_at = NULL,"
        " claimed_until = NULL, updated_at = now()"
        " FROM unnest($1::uuid[], $2::int[], $3::int[]) AS r(id, status, ms) WHERE d.id = r.id",
        list(delivery_ids),
        list(statuses),
        list(durations),
    )


async def record_failure(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    delivery_id: UUID,
    response_status: int | None,
    duration_ms: int,
    error: str | None,
    next_attempt_at: datetime | None,
) -> None:
    """A failed attempt: pending again at `next_attempt_at`, or failed for good (None)."""
    await conn.execute(
        "UPDATE deliveries SET attempts = attempts + 1, response_status = $3, duration_ms = $4,"
        " error = $5, next_attempt_at = $6,"
        " status = CASE WHEN $6::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,"
        " claimed_until = NULL, updated_at = now() WHERE org_id = $1 AND id = $2",
        org_id,
        delivery_id,
        response_status,
        duration_ms,
        (error or "")[:500] or None,
        next_attempt_at,
    )


async def delete_older_than(conn: asyncpg.Connection, *, before: datetime) -> int:
    """The delivery log past retention (pending ones too: their event is gone), endpoint by
    endpoint along `deliveries_list` (there is no index on `created_at` alone)."""
    status = await conn.execute(
        "DELETE FROM deliveries d USING endpoints e"
        " WHERE d.org_id = e.org_id AND d.endpoint_id = e.id AND d.created_at < $1",
        before,
    )
    return affected(status)
