"""The event feed: every event of the tenant, oldest first, numbered; cursors, long-poll,
isolation, retention."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import asyncpg
from servelo_dev.testing import EventPublisher, eventually
from servelo_dev.testing.client import ApiClient
from servelo_dev.testing.plugin import TestStack
from servelo_dev.testing.tenants import Tenant


async def publish(
    event_publisher: EventPublisher, tenant: Tenant, kind: str = "customer-created", **data: Any
) -> str:
    return str(
        await event_publisher.publish(
            "crm", kind, {"id": str(uuid.uuid4()), **data}, tenant=tenant.org_id
        )
    )


async def feed(client: ApiClient, **params: Any) -> list[dict[str, Any]]:
    resp = await client.get("/api/events", params=params or None)
    assert resp.status == 200, resp
    found: list[dict[str, Any]] = resp.json
    return found


async def until(client: ApiClient, ids: list[str], **params: Any) -> list[dict[str, Any]]:
    """The feed once every one of `ids` is in it."""

    async def all_there() -> list[dict[str, Any]]:
        found = await feed(client, **params)
        assert set(ids) <= {e["id"] for e in found}, found
        return found

    return await eventually(all_there, timeout=10)


async def test_events_come_oldest_first_numbered_as_on_nats(
    tenant: Tenant, event_publisher: EventPublisher
) -> None:
    ids = [await publish(event_publisher, tenant, name=f"n{i}") for i in range(5)]
    found = await until(tenant.admin, ids, types="customer-created")
    assert [e["id"] for e in found] == ids
    sequences = [e["sequence"] for e in found]
    assert sequences == sorted(sequences) and len(set(sequences)) == 5
    first = found[0]
    assert set(first) == {
        "sequence",
        "specversion",
        "id",
        "source",
        "type",
        "time",
        "subject",
        "datacontenttype",
        "tenant",
        "data",
    }
    assert first["source"] == "servelo/crm" and first["tenant"] == tenant.org_id
    assert first["data"]["name"] == "n0"
    one = await tenant.admin.get(f"/api/events/{ids[2]}")
    assert one.status == 200 and one.json == found[2]


async def test_events_of_every_service_are_in_the_feed(tenant: Tenant) -> None:
    ticket = await tenant.admin.post("/api/tickets", json={"title": "Leak"})
    assert ticket.status == 201

    async def there() -> None:
        types = [e["type"] for e in await feed(tenant.admin)]
        assert "ticket-created" in types, types
        assert "user-created" in types or "org-created" in types, types

    await eventually(there, timeout=10)


async def test_after_and_the_link_header_page_through_without_gaps(
    tenant: Tenant, event_publisher: EventPublisher
) -> None:
    ids = [await publish(event_publisher, tenant) for _ in range(7)]
    everything = await until(tenant.admin, ids)
    seen: list[str] = []
    params: dict[str, str] = {"limit": "3", "types": "customer-created"}
    pages = 0
    while True:
        resp = await tenant.admin.get("/api/events", params=params)
        assert resp.status == 200, resp
        seen += [e["id"] for e in resp.json]
        pages += 1
        link = resp.headers.get("Link")
        if not link:
            break
        query = link.split("?", 1)[1].split(">", 1)[0]
        params = dict(p.split("=", 1) for p in query.split("&"))
        assert params["types"] == "customer-created" and params["limit"] == "3"
    assert seen == ids and pages == 3
    # `after` is the last sequence seen: what follows it, never what came before.
    middle = everything[-4]["sequence"]
    assert [e["sequence"] for e in await feed(tenant.admin, after=str(middle))] == [
        e["sequence"] for e in everything[-3:]
    ]
    assert await feed(tenant.admin, after=str(everything[-1]["sequence"])) == []


async def test_a_long_poll_answers_as_soon_as_an_event_arrives(
    tenant: Tenant, event_publisher: EventPublisher
) -> None:
    ids = [await publish(event_publisher, tenant)]
    last = (await until(tenant.admin, ids))[-1]["sequence"]
    started = time.monotonic()
    waiting = asyncio.create_task(feed(tenant.admin, after=str(last), wait="20"))
    await asyncio.sleep(1.0)
    assert not waiting.done()
    new = await publish(event_publisher, tenant)
    found = await asyncio.wait_for(waiting, 15)
    assert [e["id"] for e in found] == [new]
    assert found[0]["sequence"] > last
    assert time.monotonic() - started < 15  # well before the 20 s of `wait`


async def test_a_long_poll_with_nothing_new_answers_empty_after_wait(
    tenant: Tenant, event_publisher: EventPublisher
) -> None:
    last = (await until(tenant.admin, [await publish(event_publisher, tenant)]))[-1]["sequence"]
    started = time.monotonic()
    assert await feed(tenant.admin, after=str(last), wait="1.5") == []
    assert time.monotonic() - started >= 1.4


async def test_bad_feed_queries_are_400(tenant: Tenant) -> None:
    for params in (
        {"wait": "31"},
        {"wait": "soon"},
        {"after": "-1"},
        {"after": "9" * 30},
        {"types": "Ticket Created"},
        {"limit": "0"},
        {"limit": "501"},
    ):
        resp = await tenant.admin.get("/api/events", params=params)
        assert resp.status == 400, (params, resp)
    assert (await tenant.admin.get("/api/events/not-a-uuid")).status == 404


async def test_another_tenants_events_never_appear(
    tenant: Tenant, other_tenant: Tenant, event_publisher: EventPublisher
) -> None:
    theirs = await publish(event_publisher, other_tenant, name="secret-client")
    mine = await publish(event_publisher, tenant)
    await until(other_tenant.admin, [theirs])
    found = await until(tenant.admin, [mine])
    assert theirs not in {e["id"] for e in found}
    assert all(e["tenant"] == tenant.org_id for e in found)
    assert "secret-client" not in str(found)
    assert (await tenant.admin.get(f"/api/events/{theirs}")).status == 404
    # Their long-poll is not woken by our events either.
    last = found[-1]["sequence"]
    waiting = asyncio.create_task(feed(tenant.admin, after=str(last), wait="2"))
    await publish(event_publisher, other_tenant)
    assert await asyncio.wait_for(waiting, 10) == []


async def test_an_event_seen_twice_is_in_the_feed_once(
    tenant: Tenant, event_publisher: EventPublisher
) -> None:
    event_id = str(uuid.uuid4())
    for n in range(3):
        await event_publisher.publish(
            "crm",
            "customer-updated",
            {"id": "c"},
            tenant=tenant.org_id,
            event_id=event_id,
            msg_id=f"{event_id}-{n}",
        )
    sentinel = await publish(event_publisher, tenant)
    found = await until(tenant.admin, [sentinel])
    assert [e["id"] for e in found].count(event_id) == 1


async def test_events_past_retention_are_purged(
    stack: TestStack, tenant: Tenant, event_publisher: EventPublisher, db: asyncpg.Connection
) -> None:
    old, kept = await publish(event_publisher, tenant), await publish(event_publisher, tenant)
    await until(tenant.admin, [old, kept])
    await db.execute(
        "UPDATE webhooks.events SET received_at = now() - interval '31 days' WHERE id = $1::uuid",
        old,
    )
    # A replica that purges every 0.3 s (the first one purges hourly, by default).
    with stack.replica("webhooks", {"SERVELO_EVENTS_PURGE_INTERVAL": "0.3"}):

        async def purged() -> None:
            ids = {e["id"] for e in await feed(tenant.admin)}
            assert old not in ids and kept in ids

        await eventually(purged, timeout=15)
    assert (await tenant.admin.get(f"/api/events/{old}")).status == 404
