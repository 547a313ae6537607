"""`Subscription.concurrency`: a fetch's events about different subjects are handled at
once, each in its own transaction; one subject's events still run in stream order."""

import asyncio
import random
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


class Recorder:
    """A handler that takes a while and records what ran at once and in which order."""

    def __init__(self) -> None:
        self.running = 0
        self.peak = 0
        self.order: list[tuple[str | None, int]] = []

    async def __call__(self, conn: asyncpg.Connection, event: CloudEvent) -> None:
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            await conn.execute("SELECT 1")  # a real statement in the event's transaction
            await asyncio.sleep(random.uniform(0.02, 0.08))
            self.order.append((event.subject, int(event.data["n"])))
        finally:
            self.running -= 1


async def run_consumer(
    pool: asyncpg.Pool,
    bus: EventBus,
    nc: NatsClient,
    schema: str,
    *,
    concurrency: int,
    subjects: list[str],
) -> Recorder:
    """Publishes one event per entry of `subjects` (numbered), then starts the consumer, so
    they come in one fetch; returns once every one was handled."""
    event_type = f"t{uuid.uuid4().hex[:12]}-happened"
    org = str(uuid.uuid4())
    publisher = EventPublisher(nc)
    for n, subj in enumerate(subjects):
        await publisher.publish("scratch", event_type, {"n": n}, tenant=org, subject=subj)
    recorder = Recorder()
    sub = Subscription(
        "lanes",
        [f"servelo.events.scratch.{event_type}"],
        recorder,
        concurrency=concurrency,
    )
    consumer = Consumer(pool, bus, service=schema, subscription=sub)
    consumer.start()
    try:

        async def all_handled() -> None:
            assert len(recorder.order) == len(subjects)

        await eventually(all_handled, timeout=15)
    finally:
        await consumer.stop()
    return recorder


async def test_events_about_different_subjects_are_handled_at_once(
    pool: asyncpg.Pool, scratch: tuple[str, str], bus: EventBus, nc: NatsClient
) -> None:
    schema, _ = scratch
    subjects = [str(uuid.uuid4()) for _ in range(12)]
    recorder = await run_consumer(pool, bus, nc, schema, concurrency=4, subjects=subjects)
    assert recorder.peak == 4  # never more than the bound, and it is used
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM inbox") == len(subjects)


async def test_one_subjects_events_keep_the_stream_order(
    pool: asyncpg.Pool, scratch: tuple[str, str], bus: EventBus, nc: NatsClient
) -> None:
    schema, _ = scratch
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    subjects = [a, b, a, b, a, a, b, a, b, b, a, b]
    recorder = await run_consumer(pool, bus, nc, schema, concurrency=4, subjects=subjects)
    for subj in (a, b):
        seen = [n for s, n in recorder.order if s == subj]
        assert seen == [n for n, s in enumerate(subjects) if s == subj]
    assert recorder.peak == 2  # one lane per subject: two subjects, two at once


async def test_without_concurrency_events_run_one_at_a_time(
    pool: asyncpg.Pool, scratch: tuple[str, str], bus: EventBus, nc: NatsClient
) -> None:
    schema, _ = scratch
    subjects = [str(uuid.uuid4()) for _ in range(6)]
    recorder = await run_consumer(pool, bus, nc, schema, concurrency=1, subjects=subjects)
    assert recorder.peak == 1
    assert [n for _, n in recorder.order] == list(range(len(subjects)))
