"""How the feed is written: events that arrive together (the consumer's batch) are numbered
in their order after what the org's counter had, kept as received, and fanned out to the
endpoints that want each type, all in one statement."""

from __future__ import annotations

import uuid

import asyncpg
from servelo_dev.testing.factories import make_webhook
from servelo_dev.testing.tenants import Tenant
from webhooks.repository.feed import next_sequence, record_events


async def test_events_recorded_together_are_numbered_in_order_and_fanned_out(
    tenant: Tenant, webhooks_db: asyncpg.Connection
) -> None:
    tickets = await make_webhook(tenant.admin, events=["ticket-created"])
    everything = await make_webhook(tenant.admin, events=["*"])
    org = uuid.UUID(tenant.org_id)
    before = await next_sequence(webhooks_db, org_id=org)
    ids = [uuid.uuid4() for _ in range(3)]
    types = ["ticket-created", "customer-created", "ticket-created"]
    # Key order as received (not sorted): integrators see the envelope they would on NATS.
    events = [
        {"type": t, "id": str(i), "specversion": "1.0"} for i, t in zip(ids, types, strict=True)
    ]
    await record_events(webhooks_db, org_id=org, event_ids=ids, event_types=types, events=events)

    rows = await webhooks_db.fetch(
        "SELECT sequence, id, event::text AS text FROM events WHERE id = ANY($1) ORDER BY sequence",
        ids,
    )
    assert [r["id"] for r in rows] == ids
    assert [r["sequence"] for r in rows] == [before + 1, before + 2, before + 3]
    assert rows[0]["text"].startswith('{"type":"ticket-created","id":')
    assert await next_sequence(webhooks_db, org_id=org) == before + 4

    deliveries = await webhooks_db.fetch(
        "SELECT endpoint_id, event_id FROM deliveries WHERE event_id = ANY($1)", ids
    )
    by_endpoint: dict[str, set[uuid.UUID]] = {}
    for d in deliveries:
        by_endpoint.setdefault(str(d["endpoint_id"]), set()).add(d["event_id"])
    assert by_endpoint == {tickets["id"]: {ids[0], ids[2]}, everything["id"]: set(ids)}
