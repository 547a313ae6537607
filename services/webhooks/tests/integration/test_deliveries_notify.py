"""The dispatchers are woken by an insert of deliveries, and only by one that inserted some:
the feed's consumer fans out every event, most of them to no endpoint."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
from servelo_dev.testing.factories import make_webhook
from servelo_dev.testing.plugin import TestStack
from servelo_dev.testing.tenants import Tenant
from webhooks.repository.deliveries import CHANNEL, fan_out


async def notified_by_fan_out(stack: TestStack, org_id: uuid.UUID) -> tuple[int, bool]:
    """(deliveries inserted, whether that insert notified). A NOTIFY the writer sends after
    the fan-out arrives after any the fan-out sent, so waiting for it is enough."""
    listener = await asyncpg.connect(stack.admin_dsn)
    writer = await asyncpg.connect(stack.admin_dsn, server_settings={"search_path": "webhooks"})
    seen: list[object] = []
    marker = asyncio.Event()
    writer_pid = writer.get_server_pid()

    def on_notify(_conn: object, pid: int, _channel: str, payload: object) -> None:
        if pid == writer_pid:  # other sessions of the stack may notify too
            (marker.set() if payload == "marker" else seen.append(payload))

    try:
        await listener.add_listener(CHANNEL, on_notify)
        inserted = await fan_out(
            writer, org_id=org_id, event_id=uuid.uuid4(), event_type="ticket-created"
        )
        await writer.execute("SELECT pg_notify($1, 'marker')", CHANNEL)
        await asyncio.wait_for(marker.wait(), 5)
        return inserted, bool(seen)
    finally:
        await writer.close()
        await listener.close()


async def test_a_fan_out_to_no_endpoint_wakes_no_dispatcher(stack: TestStack) -> None:
    assert await notified_by_fan_out(stack, uuid.uuid4()) == (0, False)


async def test_a_fan_out_that_queues_a_delivery_wakes_the_dispatchers(
    stack: TestStack, tenant: Tenant
) -> None:
    await make_webhook(tenant.admin, events=["ticket-created"])
    assert await notified_by_fan_out(stack, uuid.UUID(tenant.org_id)) == (1, True)
