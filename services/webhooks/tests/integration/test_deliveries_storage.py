"""How `deliveries` is stored: a claim (it changes only `claimed_until`) is a heap-only
update, which writes no index entry, because every page keeps room for it (migration 0006).
Every delivery is claimed once at least: at 10,000 deliveries a second, six index entries
each were a large part of what Postgres spent."""

from __future__ import annotations

import uuid

import asyncpg
from servelo_dev.testing.factories import make_webhook
from servelo_dev.testing.plugin import TestStack
from servelo_dev.testing.tenants import Tenant

from .conftest import insert_due

ROWS = 400  # pages' worth: on full pages only the rows of the last one could be updated in place


async def test_a_claim_updates_the_row_in_place(stack: TestStack, tenant: Tenant) -> None:
    webhook = await make_webhook(tenant.admin, events=["ticket-created"])
    conn = await asyncpg.connect(stack.admin_dsn, server_settings={"search_path": "webhooks"})
    # One transaction, rolled back: the dispatchers never see these rows.
    tx = conn.transaction()
    await tx.start()
    try:
        await insert_due(conn, org_id=tenant.org_id, endpoint_id=webhook["id"], count=ROWS)
        # What `claim_due` writes.
        await conn.execute(
            "UPDATE deliveries SET claimed_until = now() + interval '40 seconds'"
            " WHERE endpoint_id = $1",
            uuid.UUID(webhook["id"]),
        )
        counts = await conn.fetchrow(
            "SELECT pg_stat_get_xact_tuples_updated(oid), pg_stat_get_xact_tuples_hot_updated(oid)"
            " FROM pg_class WHERE oid = 'webhooks.deliveries'::regclass"
        )
    finally:
        await tx.rollback()
        await conn.close()
    assert counts is not None
    updated, in_place = counts
    assert updated == ROWS
    # Nearly all: a page the table already had (other tests' rows) may lack the room for one.
    # Without the room on every page it was none of them.
    assert in_place >= ROWS * 9 // 10
