"""Deleting an org removes its webhooks, secrets, deliveries and feed; late events about it
are ignored."""

from __future__ import annotations

import uuid

import aiohttp
import asyncpg
from servelo_dev.testing import EventPublisher, eventually
from servelo_dev.testing.events import assert_consumers_idle
from servelo_dev.testing.factories import make_webhook
from servelo_dev.testing.plugin import TestStack
from servelo_dev.testing.tenants import Tenant

TABLES = ("endpoints", "endpoint_secrets", "deliveries", "events", "feed_counters")


async def rows(db: asyncpg.Connection, org_id: str) -> dict[str, int]:
    return {
        t: await db.fetchval(f"SELECT count(*) FROM webhooks.{t} WHERE org_id = $1::uuid", org_id)
        for t in TABLES
    }


async def test_org_deleted_purges_every_row_and_ignores_late_events(
    stack: TestStack,
    http: aiohttp.ClientSession,
    tenant: Tenant,
    db: asyncpg.Connection,
    event_publisher: EventPublisher,
) -> None:
    hook = await make_webhook(tenant.admin, url="http://127.0.0.1:9/x", events=["*"])
    await tenant.admin.post(f"/api/webhooks/{hook['id']}/test")

    async def seeded() -> None:
        assert all((await rows(db, tenant.org_id)).values()), await rows(db, tenant.org_id)

    await eventually(seeded, timeout=10)
    sysadmin = await stack.system_admin(http)
    assert (await sysadmin.delete(f"/api/admin/orgs/{tenant.slug}")).status == 200

    async def purged() -> None:
        assert set((await rows(db, tenant.org_id)).values()) == {0}

    await eventually(purged, timeout=15)
    late = await event_publisher.publish(
        "crm", "customer-created", {"id": str(uuid.uuid4())}, tenant=tenant.org_id
    )

    async def handled() -> None:
        # The shared consumer skips a tombstoned org's event before any handler (and the
        # inbox): handled means acked.
        await assert_consumers_idle(event_publisher.nc, services=["webhooks"])

    await eventually(handled, timeout=10)
    assert late
    assert set((await rows(db, tenant.org_id)).values()) == {0}
