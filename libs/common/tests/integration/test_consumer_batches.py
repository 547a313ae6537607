"""Consecutive tenant events of one fetch run in one transaction, each scoped to its own
tenant; a failure in it rolls it back whole and each event runs alone, so only the event
that failed is retried and no other's work is lost or done twice."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import nats
import pytest
from nats.aio.client import Client as NatsClient
from servelo_common.bus import EventBus
from servelo_common.consumer import Consumer, Subscription
from servelo_common.events import CloudEvent
from servelo_dev.testing import eventually
from servelo_dev.testing.events import EventPublisher
from servelo_dev.testing.plugin import TestStack

EVENTS = 10


@pytest.fixture
async def nc(stack: TestStack) -> AsyncIterator[NatsClient]:
    conn = await nats.connect(stack.nats_url)
    yield conn
    await conn.close()


@pytest.fixture
async def bus(stack: TestStack, scratch: tuple[str, str]) -> AsyncIterator[EventBus]:
    schema, _ = scratch
    bus = EventBus(stack.nats_url, name=schema)
    bus.start()
    await asyncio.wait_for(bus.wait_ready(), 10)
    yield bus
    await bus.close()


async def publish_all(nc: NatsClient) -> tuple[str, list[tuple[str, str]]]:
    """`EVENTS` events of two tenants, alternating, before any consumer runs: (subject,
    [(event id, tenant)])."""
    event_type = f"t{uuid.uuid4().hex[:12]}-happened"  # a type of its own per test
    orgs = [str(uuid.uuid4()), str(uuid.uuid4())]
    publisher = EventPublisher(nc)
    sent = []
    for i in range(EVENTS):
        org = orgs[i % 2]
        sent.append(
            (str(await publisher.publish("scratch", event_type, {"i": i}, tenant=org)), org)
        )
    return f"servelo.events.scratch.{event_type}", sent


async def handled(pool: asyncpg.Pool, ids: list[str]) -> None:
    async def all_in_inbox() -> None:
        async with pool.acquire() as conn:
            count = await conn.fetchval(
                "SELECT count(*) FROM inbox WHERE event_id = ANY($1::uuid[])", ids
            )
        assert count == len(ids)

    await eventually(all_in_inbox, timeout=15)


async def test_events_fetched_together_share_a_transaction_each_in_its_tenant(
    pool: asyncpg.Pool, scratch: tuple[str, str], bus: EventBus, nc: NatsClient
) -> None:
    schema, _ = scratch
    subj, sent = await publish_all(nc)
    seen: dict[str, tuple[int, str]] = {}

    async def handler(conn: asyncpg.Connection, event: CloudEvent) -> None:
        seen[event.id] = (
            await conn.fetchval("SELECT txid_current()"),
            await conn.fetchval("SELECT current_setting('servelo.org_id')"),
        )

    sub = Subscription("together", [subj], handler)
    consumer = Consumer(pool, bus, service=schema, subscription=sub)
    consumer.start()
    try:
        await handled(pool, [event_id for event_id, _ in sent])
    finally:
        await consumer.stop()
    assert {event_id: org for event_id, (_, org) in seen.items()} == dict(sent)
    # One fetch may stop short of all of them; one transaction per event would be ten.
    assert len({tx for tx, _ in seen.values()}) <= 3, seen


async def test_a_failure_in_a_shared_transaction_retries_only_its_event(
    pool: asyncpg.Pool, scratch: tuple[str, str], bus: EventBus, nc: NatsClient
) -> None:
    schema, _ = scratch
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE done (event_id uuid NOT NULL)")
    subj, sent = await publish_all(nc)
    failing = sent[EVENTS // 2][0]
    calls: dict[str, int] = {}

    async def handler(conn: asyncpg.Connection, event: CloudEvent) -> None:
        calls[event.id] = calls.get(event.id, 0) + 1
        await conn.execute("INSERT INTO done VALUES ($1)", uuid.UUID(event.id))
        if event.id == failing and calls[event.id] <= 2:  # in the batch, then alone
            raise ValueError("not this time")

    sub = Subscription("failing", [subj], handler, backoff=(0.05,))
    consumer = Consumer(pool, bus, service=schema, subscription=sub)
    consumer.start()
    try:
        await handled(pool, [event_id for event_id, _ in sent])
    finally:
        await consumer.stop()
    async with pool.acquire() as conn:
        done = [str(r["event_id"]) for r in await conn.fetch("SELECT event_id FROM done")]
        assert await conn.fetchval("SELECT count(*) FROM dead_letters") == 0
    assert sorted(done) == sorted(event_id for event_id, _ in sent)  # each once
    assert calls[failing] == 3
