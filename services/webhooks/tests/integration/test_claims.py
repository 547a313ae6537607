"""`claim_due`'s floors: an endpoint's due range is read from its floor, so a claim does
not step over the deliveries it completed since the last vacuum (their index entries stay
at the head of the range); without a floor it is read from the start."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from servelo_dev.testing.factories import make_webhook
from servelo_dev.testing.plugin import TestStack
from servelo_dev.testing.tenants import Tenant
from webhooks.dispatcher import FULL_CLAIM_SECONDS
from webhooks.repository.deliveries import claim_due

from .conftest import MakeWebhook, Receivers, insert_due


async def claimed_ages(
    conn: asyncpg.Connection, tenant: Tenant, floor: timedelta | None
) -> list[int]:
    """Two due deliveries of one webhook, one an hour old and one a minute old, written on
    `conn` (rolled back: the stack's dispatchers never see them): the ages in minutes of
    those a claim takes, with the floor `floor` ago (None: no floor)."""
    webhook = await make_webhook(tenant.admin, events=["ticket-created"])
    endpoint_id = uuid.UUID(webhook["id"])
    now = datetime.now(UTC)
    for minutes in (60, 1):
        await insert_due(
            conn,
            org_id=tenant.org_id,
            endpoint_id=webhook["id"],
            due_at=now - timedelta(minutes=minutes),
        )
    rows = await claim_due(
        conn,
        per_endpoint=4,
        inflight={},
        limit=1000,
        lease_seconds=40,
        floors={} if floor is None else {endpoint_id: now - floor},
    )
    mine = [r for r in rows if r["endpoint_id"] == endpoint_id]
    return [round((now - r["next_attempt_at"]).total_seconds() / 60) for r in mine]


async def test_a_claim_reads_an_endpoints_due_range_from_its_floor(
    tenant: Tenant, webhooks_db: asyncpg.Connection
) -> None:
    assert await claimed_ages(webhooks_db, tenant, floor=timedelta(minutes=10)) == [1]


async def test_without_a_floor_a_claim_reads_from_the_start(
    tenant: Tenant, webhooks_db: asyncpg.Connection
) -> None:
    assert sorted(await claimed_ages(webhooks_db, tenant, floor=None)) == [1, 60]


async def test_a_delivery_below_the_floor_is_still_sent(
    stack: TestStack, tenant: Tenant, receivers: Receivers, webhook: MakeWebhook
) -> None:
    """A row that commits below an endpoint's floor (a lease that ran out, a transaction
    that committed late) is taken by the dispatcher's next claim without floors."""
    receiver = await receivers()
    hook = await webhook(tenant.admin, url=receiver.url, events=["ticket-created"])
    assert (await tenant.admin.post(f"/api/webhooks/{hook['id']}/test")).status == 202
    await receiver.wait_for(1)  # claimed: the endpoint's floor is now about now
    event_id = uuid.uuid4()
    event = {"specversion": "1.0", "id": str(event_id), "type": "webhook-test", "data": {}}
    conn = await asyncpg.connect(stack.admin_dsn, server_settings={"search_path": "webhooks"})
    try:
        await insert_due(
            conn,
            org_id=tenant.org_id,
            endpoint_id=hook["id"],
            due_at=datetime.now(UTC) - timedelta(hours=1),
            event_id=event_id,
            payload=event,
        )
    finally:
        await conn.close()
    await receiver.wait_for(2, timeout=FULL_CLAIM_SECONDS + 10)
    assert receiver.received[1].event["id"] == str(event_id)
