"""Real faults on a platform of its own (`chaos_stack`): Postgres and NATS SIGKILLed and
started again on the same port and data, while a writer keeps going through the gateway.

What must hold: every write answered 2xx is readable afterwards and its event is in the
stream exactly once; effects caused during an outage arrive after it; while Postgres is
away requests answer 503 with Retry-After (never 500); every part works again within 30 s
of the server's return with no process restarted. `make chaos` runs these alone.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections import Counter
from typing import Any

import aiohttp
import nats
import pytest
from servelo_dev.testing import eventually
from servelo_dev.testing.events import EventPublisher, assert_consumers_idle, stream_events
from servelo_dev.testing.faults import Probes, Writer, fetchval, now_utc, table
from servelo_dev.testing.plugin import make_tenant

pytestmark = [pytest.mark.chaos, pytest.mark.slow]

RECOVERY_LIMIT = 30.0
CONTRACT_KEYS = {"error", "message", "code"}


@pytest.fixture
async def platform(chaos_stack: Any) -> Any:
    if not set(chaos_stack.services) >= {"auth", "tickets", "crm", "finance", "team"}:
        pytest.skip("the fault tests need every service")
    return chaos_stack


@pytest.fixture
async def chaos_http() -> Any:
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=50), timeout=aiohttp.ClientTimeout(total=40)
    ) as session:
        yield session


def assert_unavailable_shape(resp: Any) -> None:
    assert resp.status == 503, resp
    assert int(resp.headers["Retry-After"]) >= 1, resp.headers
    assert set(resp.json) >= CONTRACT_KEYS, resp
    assert resp.json["code"] == "unavailable"
    assert resp.json["error"] == resp.json["message"]


async def all_ticket_ids(client: Any) -> set[str]:
    ids: set[str] = set()
    path: str | None = "/api/tickets?limit=500"
    while path:
        resp = await client.get(path)
        assert resp.status == 200, resp
        ids.update(t["id"] for t in resp.json)
        link = resp.headers.get("Link", "")
        path = link[link.index("/api/") : link.index(">")] if 'rel="next"' in link else None
    return ids


async def readyz(http: aiohttp.ClientSession, port: int) -> tuple[int, str]:
    async with http.get(f"http://127.0.0.1:{port}/readyz") as resp:
        return resp.status, await resp.text()


@pytest.mark.timeout(330)
async def test_steady_writes_survive_nats_and_postgres_kills(
    platform: Any, chaos_http: aiohttp.ClientSession
) -> None:
    stack, http = platform, chaos_http
    tenant = await make_tenant(stack, http)
    admin = tenant.admin
    probes = Probes(stack, http, tenant)
    pids = stack.pids()

    # Cross-service effects to cause during the long NATS outage: a technician with an open
    # ticket (deactivating them unassigns it) and a sent quote (accepting it books revenue).
    tech = await tenant.create_user(role="technician")

    async def assigned() -> Any:
        resp = await admin.post(
            "/api/tickets", json={"title": "Assigned", "assignee_id": tech.user["id"]}
        )
        assert resp.status == 201, resp
        return resp.json

    ticket = await eventually(assigned, timeout=15)
    customer = (await admin.post("/api/customers", json={"name": "Chaos Ltd"})).json
    quote = (
        await admin.post(
            "/api/quotes",
            json={
                "customer_id": customer["id"],
                "tax_rate": "10",
                "line_items": [{"description": "Work", "quantity": "1", "unit_price": "90.00"}],
            },
        )
    ).json
    assert (await admin.put(f"/api/quotes/{quote['id']}", json={"status": "sent"})).status == 200

    writer = Writer(admin.with_token(admin.token), rate=20.0)
    writer.start()
    faults: list[dict[str, Any]] = []

    async def outage(name: str, kill: Any, start: Any, seconds: float, during: Any = None) -> None:
        killed_at = time.monotonic()
        await asyncio.to_thread(kill)
        try:
            if during is not None:
                await during()
            await asyncio.sleep(max(0.0, seconds - (time.monotonic() - killed_at)))
        finally:
            before = now_utc()
            await asyncio.to_thread(start)  # even when a check failed: the next test needs it
        back = time.monotonic()
        recovery = await probes.after_restart(back, before)
        first_write = writer.first_ack_after(back)
        faults.append(
            {
                "fault": name,
                "down s": round(back - killed_at, 1),
                "acked while down": sum(killed_at <= t <= back for t in writer.acked.values()),
                "writes ok after s": round(first_write - back, 2) if first_write else math.inf,
                **{f"{k} s": v for k, v in recovery.items()},
            }
        )

    async def while_nats_is_away() -> None:
        # Both succeed (Postgres is up); their events wait in the outboxes.
        resp = await admin.put(f"/api/users/{tech.user['id']}/deactivate")
        assert resp.status == 200, resp
        resp = await admin.put(f"/api/quotes/{quote['id']}", json={"status": "accepted"})
        assert resp.status == 200, resp

        async def not_ready() -> None:
            status, body = await readyz(http, stack.stack.processes["tickets"].port)
            assert status == 503 and "nats" in body, (status, body)

        await eventually(not_ready, timeout=10)

    async def while_postgres_is_away() -> None:
        async def refused() -> None:
            resp = await admin.get("/api/tickets?limit=1")
            assert_unavailable_shape(resp)
            status, body = await readyz(http, stack.stack.processes["crm"].port)
            assert status == 503 and "database" in body, (status, body)

        await eventually(refused, timeout=10)

    try:
        await asyncio.sleep(3)
        await outage("NATS SIGKILL #1", stack.kill_nats, stack.start_nats, 5)
        await asyncio.sleep(2)
        await outage("NATS SIGKILL #2", stack.kill_nats, stack.start_nats, 5)
        await asyncio.sleep(2)
        await outage(
            "NATS SIGKILL #3", stack.kill_nats, stack.start_nats, 62, during=while_nats_is_away
        )
        await asyncio.sleep(2)
        await outage(
            "Postgres SIGKILL",
            stack.kill_postgres,
            stack.start_postgres,
            10,
            during=while_postgres_is_away,
        )
        await asyncio.sleep(2)
    finally:
        await writer.stop()

    # The effects caused while NATS was away have arrived.
    async def unassigned() -> None:
        resp = await admin.get(f"/api/tickets/{ticket['id']}")
        assert resp.status == 200 and resp.json["assignee_id"] is None, resp

    async def booked() -> None:
        resp = await admin.get("/api/revenue", params={"customer_id": customer["id"]})
        assert [r["quote_id"] for r in resp.json] == [quote["id"]], resp

    await eventually(unassigned, timeout=RECOVERY_LIMIT)
    await eventually(booked, timeout=RECOVERY_LIMIT)
    await eventually(lambda: probes.outbox_drained(now_utc()), timeout=RECOVERY_LIMIT)

    # Every acknowledged write is readable, and its event is in the stream exactly once.
    readable = await all_ticket_ids(admin)
    nc = await nats.connect(stack.nats_url)
    try:
        events = await stream_events(
            nc, "servelo.events.tickets.ticket-created", tenant=tenant.org_id
        )
    finally:
        await nc.close()
    per_ticket = Counter(e["data"]["id"] for e in events)
    per_event = Counter(e["id"] for e in events)
    missing = [t for t in writer.acked if t not in readable]
    no_event = [t for t in writer.acked if per_ticket[t] == 0]
    duplicates = sum(n - 1 for n in per_ticket.values() if n > 1) + sum(
        n - 1 for n in per_event.values() if n > 1
    )
    statuses = Counter(r.status for _, r in writer.refused)
    print()
    print(
        table(
            [
                {
                    "writes": writer.attempts,
                    "acknowledged": len(writer.acked),
                    "refused": len(writer.refused),
                    "refused by status": dict(statuses) or "-",
                    "no answer": len(writer.lost),
                    "events found": sum(per_ticket[t] for t in writer.acked),
                    "duplicates": duplicates,
                    "unreadable": len(missing),
                }
            ]
        )
    )
    print(table(faults))

    assert not missing, f"{len(missing)} acknowledged writes are not readable"
    assert not no_event, f"{len(no_event)} acknowledged writes have no event in the stream"
    assert duplicates == 0
    assert not writer.lost, writer.lost[:5]
    # Refused while Postgres was away, never a 500 (the request ids find the services' traces).
    not_503 = [(r.status, r.json) for _, r in writer.refused if r.status != 503]
    assert set(statuses) <= {503}, not_503
    for _, resp in writer.refused:
        assert_unavailable_shape(resp)
    # The outbox keeps writes going while NATS is away (a slow machine writes fewer).
    assert all(f["acked while down"] > 0 for f in faults if f["fault"].startswith("NATS"))
    for fault in faults:
        slow = {k: v for k, v in fault.items() if k.endswith(" s") and k != "down s"}
        assert all(v <= RECOVERY_LIMIT for v in slow.values()), fault
    assert stack.pids() == pids, "a process was restarted"
    assert not stack.stack.dead_processes()


@pytest.mark.timeout(200)
async def test_consumers_ride_out_a_database_outage_longer_than_their_retries(
    platform: Any, chaos_http: aiohttp.ClientSession
) -> None:
    """Events already in the stream while Postgres is down for longer than the consumers'
    whole retry schedule (0.5 + 2 + 5 + 15 s) are each handled once when it returns."""
    stack, http = platform, chaos_http
    tenant = await make_tenant(stack, http)
    nc = await nats.connect(stack.nats_url)
    try:
        publisher = EventPublisher(nc)
        await asyncio.to_thread(stack.kill_postgres)
        try:
            customers = [str(uuid.uuid4()) for _ in range(10)]
            event_ids = [
                await publisher.publish(
                    "crm",
                    "customer-created",
                    {"id": c, "name": f"Offline {i}", "email": None},
                    tenant=tenant.org_id,
                )
                for i, c in enumerate(customers)
            ]
            resp = await tenant.admin.get("/api/customers")
            assert_unavailable_shape(resp)
            await asyncio.sleep(32)
        finally:
            await asyncio.to_thread(stack.start_postgres)
        back = time.monotonic()

        async def handled_once() -> None:
            for schema in ("tickets", "team", "finance"):
                found = await fetchval(
                    stack.admin_dsn,
                    f"SELECT count(*) FROM {schema}.customers WHERE id = ANY($1::uuid[])",
                    customers,
                )
                assert found == len(customers), (schema, found)

        await eventually(handled_once, timeout=RECOVERY_LIMIT, interval=0.2)
        recovered = round(time.monotonic() - back, 2)
        await eventually(
            lambda: assert_consumers_idle(nc, services=stack.services), timeout=RECOVERY_LIMIT
        )
        for schema in ("tickets", "team", "finance"):
            per_event = await fetchval(
                stack.admin_dsn,
                "SELECT array_agg(n) FROM (SELECT count(*) AS n"
                f" FROM {schema}.inbox WHERE event_id = ANY($1::uuid[])"
                " GROUP BY consumer, event_id) s",
                event_ids,
            )
            assert per_event == [1] * len(event_ids), (schema, per_event)
            dead = await fetchval(
                stack.admin_dsn,
                f"SELECT count(*) FROM {schema}.dead_letters WHERE event_id = ANY($1::uuid[])",
                event_ids,
            )
            assert dead == 0, schema
        print(f"\nevents handled once, {recovered} s after Postgres returned")
    finally:
        await nc.close()
