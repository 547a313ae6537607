"""Deleting an org from one service's schema: `purge_org(conn, org_id=..., tables=[...])`.

Every service calls it when auth publishes `org-deleted` (auth itself when it deletes the
org). In one transaction it takes the org's purge lock (waiting for the org's transactions
in flight), deletes the service's own tables in the given order (children first), the
platform's rows of the org (idempotency keys, queued mail, dead letters, events), and
leaves a tombstone. From then on `db.tenant_tx` refuses the org, so the shared consumer
skips any late event about it before a handler runs, and no request can write for it.

The org's handled event ids stay in the inbox, without the org, so that a redelivered
event (or a relay retry within JetStream's duplicate window) is still recognised as handled.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

# Tables from servelo_common/migrations whose org_id rows are deleted with the org.
PLATFORM_TABLES = ("idempotency_keys", "mail_outbox", "dead_letters")
# A purge is background work nobody waits for: a large org may take longer than requests.
PURGE_STATEMENT_TIMEOUT = "10min"


async def purge_org(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    tables: Sequence[str] = (),
    include_outbox: bool = True,
) -> dict[str, int]:
    """Delete every row of the org in this schema and leave its tombstone. `tables` are the
    service's own tables with an `org_id` column, children before parents. The outbox is
    kept only by the service about to publish `org-deleted` itself (`include_outbox=False`).
    Returns the rows deleted per table."""
    await conn.execute("SELECT set_config('statement_timeout', $1, true)", PURGE_STATEMENT_TIMEOUT)
    await conn.execute("SELECT pg_advisory_xact_lock(servelo_org_lock_key($1))", org_id)
    counts: dict[str, int] = {}
    for table in tables:
        counts[table] = _count(
            await conn.execute(f"DELETE FROM {table} WHERE org_id = $1", org_id)  # noqa: S608
        )
    counts.update(await purge_platform_rows(conn, org_id=org_id, include_outbox=include_outbox))
    await conn.execute("INSERT INTO org_tombstones (id) VALUES ($1) ON CONFLICT DO NOTHING", org_id)
    return counts


async def purge_platform_rows(
    conn: asyncpg.Connection, *, org_id: UUID, include_outbox: bool = True
) -> dict[str, int]:
    """The platform's rows of the org: idempotency keys, queued mail, dead letters, the
    org's events (published or not, since they carry its data too) unless `include_outbox`
    is False; inbox rows lose their org but are kept for de-duplication. Part of
    `purge_org`, which is what services call."""
    counts: dict[str, int] = {}
    for table in PLATFORM_TABLES:
        counts[table] = _count(
            await conn.execute(f"DELETE FROM {table} WHERE org_id = $1", org_id)  # noqa: S608
        )
    counts["inbox"] = _count(
        await conn.execute("UPDATE inbox SET org_id = NULL WHERE org_id = $1", org_id)
    )
    if include_outbox:
        # The outbox has no org_id column: the tenant is inside the CloudEvent.
        counts["outbox"] = _count(
            await conn.execute("DELETE FROM outbox WHERE event->>'tenant' = $1", str(org_id))
        )
    return counts


def _count(status: str) -> int:
    return int(status.split()[-1])
