"""A subscription with a batch handler takes the consecutive events of one tenant in a fetch
together: one transaction, each event once, in stream order; a failure in it rolls it back
whole and each event runs alone, so only the event that failed is retried."""

import uuid
from collections.abc import Sequence

import asyncpg
from nats.aio.client import Client as NatsClient
from servelo_common.bus import EventBus
from servelo_common.consumer import Consumer, Subscription
from servelo_common.events import CloudEvent
from servelo_dev.testing import eventually
from servelo_dev.testing.events import EventPublisher

EVENTS = 12


async def publish(nc: NatsClient, tenants: Sequence[str]) -> tuple[str, list[tuple[str, str]]]:
    """`EVENTS` events, the tenants taking turns, before any consumer runs: (subject,
    [(event id, tenant)] in stream order)."""
    event_type = f"t{uuid.uuid4().hex[:12]}-happened"  # a type of its own per test
    publisher = EventPublisher(nc)
    sent = []
    for i in range(EVENTS):
        tenant = tenants[i % len(tenants)]
        event_id = await publisher.publish("scratch", event_type, {"i": i}, tenant=tenant)
        sent.append((str(event_id), tenant))
    return f"servelo.events.scratch.{event_type}", sent


async def all_handled(pool: asyncpg.Pool, ids: list[str]) -> None:
    async def in_inbox() -> None:
        async with pool.acquire() as conn:
            count = await conn.fetchval(
                "SELECT count(*) FROM inbox WHERE event_id = ANY($1::uuid[])", ids
            )
        assert count == len(ids)

    await eventually(in_inbox, timeout=15)


async def run_consumer(
    pool: asyncpg.Pool, bus: EventBus, sub: Subscription, ids: list[str]
) -> None:
    schema = bus.name
    consumer = Consumer(pool, bus, service=schema, subscription=sub)
    consumer.start()
    try:
        await all_handled(pool, ids)
    finally:
        await consumer.stop()


async def test_a_tenants_events_fetched_together_share_one_transaction_in_order(
    pool: asyncpg.Pool, bus: EventBus, nc: NatsClient
) -> None:
    org = str(uuid.uuid4())
    subj, sent = await publish(nc, [org])
    calls: list[tuple[int, str, list[str]]] = []

    async def one(conn: asyncpg.Connection, event: CloudEvent) -> None:
        raise AssertionError("every event came in a batch")

    async def many(conn: asyncpg.Connection, events: Sequence[CloudEvent]) -> None:
        tx = await conn.fetchval("SELECT txid_current()")
        calls.append(
            (
                tx,
                await conn.fetchval("SELECT current_setting('servelo.org_id')"),
                [e.id for e in events],
            )
        )

    sub = Subscription("together", [subj], one, batch_handler=many)
    await run_consumer(pool, bus, sub, [event_id for event_id, _ in sent])
    assert [event_id for _, _, ids in calls for event_id in ids] == [i for i, _ in sent]
    assert {tenant for _, tenant, _ in calls} == {org}
    # One transaction per call; a fetch may stop short of all of them, not at one each.
    assert len({tx for tx, _, _ in calls}) == len(calls) <= 3, calls


async def test_runs_break_where_the_tenant_changes(
    pool: asyncpg.Pool, bus: EventBus, nc: NatsClient
) -> None:
    orgs = [str(uuid.uuid4()), str(uuid.uuid4())]
    # a a b b a a b b ...: runs of two of one tenant.
    subj, sent = await publish(nc, [orgs[0], orgs[0], orgs[1], orgs[1]])
    batches: list[tuple[str, list[str]]] = []
    alone: list[str] = []

    async def one(conn: asyncpg.Connection, event: CloudEvent) -> None:
        alone.append(event.id)  # a run cut in two by the end of a fetch

    async def many(conn: asyncpg.Connection, events: Sequence[CloudEvent]) -> None:
        setting = await conn.fetchval("SELECT current_setting('servelo.org_id')")
        batches.append((setting, [e.id for e in events]))

    sub = Subscription("runs", [subj], one, batch_handler=many)
    await run_consumer(pool, bus, sub, [event_id for event_id, _ in sent])
    tenant_of = dict(sent)
    for setting, ids in batches:
        assert {tenant_of[i] for i in ids} == {setting}
    assert sorted([i for _, ids in batches for i in ids] + alone) == sorted(tenant_of)
    assert len(batches) >= EVENTS // 2 - 2


async def test_a_failure_in_a_batch_runs_each_event_alone_and_retries_only_its_own(
    pool: asyncpg.Pool, bus: EventBus, nc: NatsClient
) -> None:
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE done (event_id uuid NOT NULL)")
    org = str(uuid.uuid4())
    subj, sent = await publish(nc, [org])
    failing = sent[EVENTS // 2][0]
    alone: dict[str, int] = {}

    async def one(conn: asyncpg.Connection, event: CloudEvent) -> None:
        alone[event.id] = alone.get(event.id, 0) + 1
        await conn.execute("INSERT INTO done VALUES ($1)", uuid.UUID(event.id))
        if event.id == failing and alone[event.id] == 1:
            raise ValueError("not this time")

    async def many(conn: asyncpg.Connection, events: Sequence[CloudEvent]) -> None:
        await conn.executemany("INSERT INTO done VALUES ($1)", [(uuid.UUID(e.id),) for e in events])
        if any(e.id == failing for e in events):
            raise ValueError("the batch fails")

    sub = Subscription("failing", [subj], one, batch_handler=many, backoff=(0.05,))
    await run_consumer(pool, bus, sub, [event_id for event_id, _ in sent])
    async with pool.acquire() as conn:
        done = [str(r["event_id"]) for r in await conn.fetch("SELECT event_id FROM done")]
        assert await conn.fetchval("SELECT count(*) FROM dead_letters") == 0
    assert sorted(done) == sorted(event_id for event_id, _ in sent)  # each once
    assert alone[failing] == 2  # alone after the batch failed, then its retry


async def test_an_event_already_in_the_inbox_is_not_handed_to_the_batch(
    pool: asyncpg.Pool, bus: EventBus, nc: NatsClient
) -> None:
    org = str(uuid.uuid4())
    subj, sent = await publish(nc, [org])
    seen_before = sent[3][0]
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO inbox (consumer, event_id, org_id, type) VALUES ($1, $2, $3, 'x')",
            f"{bus.name}-repeats",
            uuid.UUID(seen_before),
            uuid.UUID(org),
        )
    handed: list[str] = []

    async def one(conn: asyncpg.Connection, event: CloudEvent) -> None:
        handed.append(event.id)

    async def many(conn: asyncpg.Connection, events: Sequence[CloudEvent]) -> None:
        handed.extend(e.id for e in events)

    sub = Subscription("repeats", [subj], one, batch_handler=many)
    await run_consumer(pool, bus, sub, [event_id for event_id, _ in sent])
    assert handed == [event_id for event_id, _ in sent if event_id != seen_before]
