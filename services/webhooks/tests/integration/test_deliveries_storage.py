"""How `deliveries` is stored: a claim (it changes only `claimed_until`) is a heap-only
update, which writes no index entry, because every page keeps room for it (migration 0006).
Every delivery is claimed once at least: at 10,000 deliveries a second, six index entries
each were a large part of what Postgres spent. Four indexes are left (migration 0007): the
id is derived from the endpoint and the event, so the primary key keeps an event from
being delivered twice to an endpoint, and retention walks each endpoint's log."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from servelo_dev.testing.factories import make_webhook
from servelo_dev.testing.tenants import Tenant
from webhooks.repository.deliveries import delete_older_than, fan_out

from .conftest import insert_due

ROWS = 400  # pages' worth: on full pages only the rows of the last one could be updated in place


async def test_a_claim_updates_the_row_in_place(
    tenant: Tenant, webhooks_db: asyncpg.Connection
) -> None:
    webhook = await make_webhook(tenant.admin, events=["ticket-created"])
    await insert_due(webhooks_db, org_id=tenant.org_id, endpoint_id=webhook["id"], count=ROWS)
    # What `claim_due` writes.
    await webhooks_db.execute(
        "UPDATE deliveries SET claimed_until = now() + interval '40 seconds'"
        " WHERE endpoint_id = $1",
        uuid.UUID(webhook["id"]),
    )
    counts = await webhooks_db.fetchrow(
        "SELECT pg_stat_get_xact_tuples_updated(oid), pg_stat_get_xact_tuples_hot_updated(oid)"
        " FROM pg_class WHERE oid = 'webhooks.deliveries'::regclass"
    )
    assert counts is not None
    updated, in_place = counts
    assert updated == ROWS
    # Nearly all: a page the table already had (other tests' rows) may lack the room for one.
    # Without the room on every page it was none of them.
    assert in_place >= ROWS * 9 // 10


def derived_id(endpoint_id: uuid.UUID, event_id: uuid.UUID) -> uuid.UUID:
    """RFC 9562 B.2: a version 8 UUID of the SHA-256 of the two ids."""
    h = bytearray(hashlib.sha256(endpoint_id.bytes + event_id.bytes).digest()[:16])
    h[6], h[8] = (h[6] & 0x0F) | 0x80, (h[8] & 0x3F) | 0x80
    return uuid.UUID(bytes=bytes(h))


async def test_a_delivery_id_is_derived_and_an_event_is_fanned_out_once(
    tenant: Tenant, webhooks_db: asyncpg.Connection
) -> None:
    webhook = await make_webhook(tenant.admin, events=["ticket-created"])
    org, event = uuid.UUID(tenant.org_id), uuid.uuid4()
    assert await fan_out(webhooks_db, org_id=org, event_id=event, event_type="ticket-created") == 1
    assert await fan_out(webhooks_db, org_id=org, event_id=event, event_type="ticket-created") == 0
    ids = await webhooks_db.fetch("SELECT id FROM deliveries WHERE event_id = $1", event)
    expected = derived_id(uuid.UUID(webhook["id"]), event)
    assert [r["id"] for r in ids] == [expected] and expected.version == 8


async def test_retention_deletes_each_endpoints_old_deliveries(
    tenant: Tenant, webhooks_db: asyncpg.Connection
) -> None:
    webhook = await make_webhook(tenant.admin, events=["ticket-created"])
    await insert_due(webhooks_db, org_id=tenant.org_id, endpoint_id=webhook["id"], count=3)
    await webhooks_db.execute(
        "UPDATE deliveries SET created_at = now() - interval '31 days' WHERE id IN"
        " (SELECT id FROM deliveries WHERE endpoint_id = $1 LIMIT 2)",
        uuid.UUID(webhook["id"]),
    )
    before = datetime.now(UTC) - timedelta(days=30)
    assert await delete_older_than(webhooks_db, before=before) == 2
    left = "SELECT count(*) FROM deliveries WHERE endpoint_id = $1"
    assert await webhooks_db.fetchval(left, uuid.UUID(webhook["id"])) == 1


async def test_deliveries_keep_four_indexes(webhooks_db: asyncpg.Connection) -> None:
    """Each index costs every delivery an entry when inserted and another when it succeeds:
    a new one is a decision (docs/benchmarks-webhooks.md), not a habit."""
    names = await webhooks_db.fetch(
        "SELECT indexrelid::regclass::text AS name FROM pg_index"
        " WHERE indrelid = 'webhooks.deliveries'::regclass ORDER BY 1"
    )
    assert [r["name"] for r in names] == [
        "deliveries_due",
        "deliveries_list",
        "deliveries_pkey",
        "deliveries_sync",
    ]


async def test_deliveries_are_vacuumed_at_one_per_cent(webhooks_db: asyncpg.Connection) -> None:
    """A queue's table: each delivery leaves two dead row versions and an index entry per
    index behind; at the default 20 % a vacuum comes late and long (migration 0008)."""
    options = await webhooks_db.fetchval(
        "SELECT reloptions FROM pg_class WHERE oid = 'webhooks.deliveries'::regclass"
    )
    assert {
        "autovacuum_vacuum_scale_factor=0.01",
        "autovacuum_vacuum_insert_scale_factor=0.01",
        "autovacuum_vacuum_cost_delay=0",
    } <= set(options)
