"""Events: what tickets publishes, and what it does with auth's and crm's events."""

from __future__ import annotations

import asyncio
import io
import uuid
from typing import Any

import aiohttp
import asyncpg
import nats
import orjson
import pytest
from PIL import Image
from servelo_dev.testing.factories import make_ticket
from servelo_dev.testing.tenants import Tenant, eventually

from .conftest import Publish, announced_user, files_of, known_customer


async def event_types(db: asyncpg.Connection, ticket_id: str) -> list[str]:
    rows = await db.fetch(
        "SELECT event->>'type' AS type FROM tickets.outbox"
        " WHERE event->>'subject' = $1 ORDER BY seq",
        ticket_id,
    )
    return [r["type"] for r in rows]


async def test_changes_publish_events_through_the_outbox(
    tenant: Tenant, publish: Publish, db: asyncpg.Connection
) -> None:
    tech = await announced_user(tenant, publish)
    t = await make_ticket(tenant.admin)
    path = f"/api/tickets/{t['id']}"
    await tenant.admin.put(path, json={"status": "in_progress", "assignee_id": tech})
    await tenant.admin.post(f"{path}/comments", json={"body": "hi"})
    form = aiohttp.FormData()
    buf = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buf, "PNG")
    form.add_field("file", io.BytesIO(buf.getvalue()), filename="a.png")
    assert (await tenant.admin.post(f"{path}/photos", data=form)).status == 201
    await tenant.admin.delete(path)
    await tenant.admin.post(f"{path}/restore")
    assert await event_types(db, t["id"]) == [
        "ticket-created",
        "ticket-updated",
        "ticket-status-changed",
        "ticket-assigned",
        "ticket-comment-added",
        "ticket-photo-added",
        "ticket-trashed",
        "ticket-restored",
    ]
    updated = await db.fetchval(
        "SELECT event->'data' FROM tickets.outbox WHERE event->>'subject' = $1"
        " AND event->>'type' = 'ticket-updated'",
        t["id"],
    )
    data = orjson.loads(updated)
    assert data["changes"] == {"status": "in_progress", "assignee_id": tech}
    assert data["previous"] == {"status": "open", "assignee_id": None}


async def test_ticket_created_reaches_a_subscriber(tenant: Tenant, stack: Any) -> None:
    nc = await nats.connect(stack.nats_url)
    got: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def on_msg(msg: Any) -> None:
        await got.put(orjson.loads(msg.data))

    try:
        await nc.subscribe("servelo.events.tickets.ticket-created", cb=on_msg)
        t = await make_ticket(tenant.admin)
        while True:
            event = await asyncio.wait_for(got.get(), timeout=10)
            if event["subject"] == t["id"]:
                break
        assert event["tenant"] == tenant.org_id and event["data"]["number"] == t["number"]
    finally:
        await nc.close()


async def test_deactivated_assignee_is_unassigned_from_open_tickets(
    tenant: Tenant, publish: Publish
) -> None:
    uid = await announced_user(tenant, publish)
    open_t = await make_ticket(tenant.admin, assignee_id=uid)
    done = await make_ticket(tenant.admin, assignee_id=uid)
    await tenant.admin.put(f"/api/tickets/{done['id']}", json={"status": "closed"})
    await publish(
        "auth",
        "user-deactivated",
        tenant.org_id,
        {
            "id": uid,
            "org_id": tenant.org_id,
            "name": "Tech",
            "email": "t@example.com",
            "role": "technician",
            "active": False,
            "status": "deactivated",
            "revoked_at": 1.0,
        },
    )

    async def unassigned() -> None:
        got = await tenant.admin.get(f"/api/tickets/{open_t['id']}")
        assert got.json["assignee_id"] is None

    await eventually(unassigned, timeout=10)
    closed = await tenant.admin.get(f"/api/tickets/{done['id']}")
    assert closed.json["assignee_id"] == uid  # history of finished work is kept
    resp = await tenant.admin.put(f"/api/tickets/{open_t['id']}", json={"assignee_id": uid})
    assert resp.status == 400 and "assignee_id" in resp.json["errors"]


async def test_user_deactivated_in_auth_is_unassigned(tenant: Tenant) -> None:
    tech = await tenant.create_user(role="technician")
    uid = tech.user["id"]
    from .conftest import wait_assignable

    await wait_assignable(tenant, uid)
    t = await make_ticket(tenant.admin, assignee_id=uid)
    resp = await tenant.admin.put(f"/api/users/{uid}/deactivate")
    assert resp.status == 200, resp

    async def unassigned() -> None:
        got = await tenant.admin.get(f"/api/tickets/{t['id']}")
        assert got.json["assignee_id"] is None

    await eventually(unassigned, timeout=10)


async def test_replayed_event_changes_nothing(
    tenant: Tenant, publish: Publish, db: asyncpg.Connection
) -> None:
    uid = await announced_user(tenant, publish)
    t = await make_ticket(tenant.admin, assignee_id=uid)
    deactivated = {
        "id": uid,
        "org_id": tenant.org_id,
        "name": "Tech",
        "email": "t@x.com",
        "role": "technician",
        "active": False,
        "status": "deactivated",
        "revoked_at": 1.0,
    }
    event_id = str(uuid.uuid4())
    # Same event id, different Nats-Msg-Id: JetStream delivers both; the inbox skips one.
    await publish("auth", "user-deactivated", tenant.org_id, deactivated, event_id=event_id)
    await publish(
        "auth",
        "user-deactivated",
        tenant.org_id,
        deactivated,
        event_id=event_id,
        msg_id=str(uuid.uuid4()),
    )
    # A later event on the same consumer: once it is applied, both copies were handled.
    sentinel = await announced_user(tenant, publish)
    assert sentinel
    handled = await db.fetchval(
        "SELECT count(*) FROM tickets.inbox WHERE event_id = $1", uuid.UUID(event_id)
    )
    assert handled == 1
    assert (await event_types(db, t["id"])).count("ticket-assigned") == 1


async def test_deleted_customer_is_cleared_and_refused(tenant: Tenant, publish: Publish) -> None:
    cid = await known_customer(tenant, publish)
    t = await make_ticket(tenant.admin, customer_id=cid)
    await publish("crm", "customer-deleted", tenant.org_id, {"id": cid})

    async def cleared() -> None:
        got = await tenant.admin.get(f"/api/tickets/{t['id']}")
        assert got.json["customer_id"] is None

    await eventually(cleared, timeout=10)
    resp = await tenant.admin.post("/api/tickets", json={"title": "x", "customer_id": cid})
    assert resp.status == 400 and "customer_id" in resp.json["errors"]


async def org_rows(db: asyncpg.Connection, org_id: str) -> dict[str, int]:
    tables = await db.fetch(
        "SELECT table_name FROM information_schema.columns"
        " WHERE table_schema = 'tickets' AND column_name = 'org_id'"
    )
    counts = {
        r["table_name"]: await db.fetchval(
            f'SELECT count(*) FROM tickets."{r["table_name"]}" WHERE org_id = $1', uuid.UUID(org_id)
        )
        for r in tables
    }
    counts["outbox"] = await db.fetchval(
        "SELECT count(*) FROM tickets.outbox WHERE event->>'tenant' = $1", org_id
    )
    return counts


async def test_org_deleted_purges_every_row_and_file(
    tenant: Tenant, other_tenant: Tenant, publish: Publish, stack: Any, db: asyncpg.Connection
) -> None:
    uid = await announced_user(tenant, publish)
    cid = await known_customer(tenant, publish)
    t = await make_ticket(tenant.admin, assignee_id=uid, customer_id=cid)
    await tenant.admin.post(
        f"/api/tickets/{t['id']}/comments", json={"body": "x"}, headers={"Idempotency-Key": "k"}
    )
    buf = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buf, "PNG")
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(buf.getvalue()), filename="a.png")
    assert (await tenant.admin.post(f"/api/tickets/{t['id']}/photos", data=form)).status == 201
    kept = await make_ticket(other_tenant.admin)
    assert files_of(stack, tenant.org_id)
    assert all(
        n > 0
        for k, n in (await org_rows(db, tenant.org_id)).items()
        if k in ("tickets", "comments", "photos", "users", "customers")
    )

    await publish("auth", "org-deleted", tenant.org_id, {"id": tenant.org_id, "slug": tenant.slug})

    async def purged() -> None:
        counts = await org_rows(db, tenant.org_id)
        assert not any(counts.values()), counts

    await eventually(purged, timeout=10)
    assert files_of(stack, tenant.org_id) == []
    assert (await other_tenant.admin.get(f"/api/tickets/{kept['id']}")).status == 200


async def test_customer_created_in_crm_is_accepted(tenant: Tenant, stack: Any) -> None:
    if "crm" not in stack.services:
        pytest.skip("crm is not in SERVELO_TEST_SERVICES")
    resp = await tenant.admin.post("/api/customers", json={"name": "Real Customer"})
    assert resp.status == 201, resp
    cid = resp.json["id"]

    async def accepted() -> None:
        created = await tenant.admin.post("/api/tickets", json={"title": "x", "customer_id": cid})
        assert created.status == 201, created

    await eventually(accepted, timeout=10)
