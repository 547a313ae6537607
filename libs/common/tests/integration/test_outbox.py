import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import asyncpg
import orjson
import pytest
from nats.aio.client import Client as NatsClient
from servelo_common.bus import EventBus
from servelo_common.consumer import Consumer, Subscription
from servelo_common.db import tenant_tx, unpooled
from servelo_common.events import CloudEvent, DomainEvent, emit
from servelo_common.relay import OutboxRelay
from servelo_dev.testing import eventually
from servelo_dev.testing.plugin import TestStack


class NoteWritten(DomainEvent):
    source: ClassVar[str] = "scratch"
    type: ClassVar[str] = "note-written"
    body: str


# The pool, the events the consumer saw, the scratch schema.
Wiring = tuple[asyncpg.Pool, list[CloudEvent], str]


@pytest.fixture
async def wiring(
    stack: TestStack, pool: asyncpg.Pool, scratch: tuple[str, str]
) -> AsyncIterator[Wiring]:
    schema, _ = scratch
    bus = EventBus(stack.nats_url, name=schema)
    bus.start()
    await asyncio.wait_for(bus.wait_ready(), 10)
    seen: list[CloudEvent] = []

    async def handler(conn: asyncpg.Connection, event: CloudEvent) -> None:
        seen.append(event)

    relay = OutboxRelay(pool, bus, schema=schema)
    # A unique subject per test keeps the shared stream's other events out of this consumer.
    subject = "servelo.events.scratch.note-written"
    consumer = Consumer(
        pool,
        bus,
        service=schema,
        subscription=Subscription(name="notes", events=[subject], handler=handler),
    )
    relay.start()
    consumer.start()
    yield pool, seen, schema
    await consumer.stop()
    await relay.stop()
    await bus.close()


async def test_rolled_back_transaction_publishes_nothing(wiring: Wiring) -> None:
    pool, seen, _ = wiring
    org = uuid.uuid4()
    try:
        async with tenant_tx(pool, org) as conn:
            await emit(conn, NoteWritten(body="never"), tenant=org)
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    async with tenant_tx(pool, org) as conn:
        await emit(conn, NoteWritten(body="kept"), tenant=org)

    async def delivered() -> None:
        assert [e.data["body"] for e in seen if e.tenant == str(org)] == ["kept"]

    await eventually(delivered, timeout=10)


@pytest.mark.slow
async def test_event_committed_while_nats_is_down_arrives_once_after(
    stack: TestStack, wiring: Wiring
) -> None:
    if not stack.can_restart_nats:
        pytest.skip("NATS is external to this test session")
    pool, seen, _ = wiring
    org = uuid.uuid4()
    stack.stop_nats()
    try:
        async with tenant_tx(pool, org) as conn:
            event_id = await emit(conn, NoteWritten(body="during outage"), tenant=org)

        async def relay_tried_and_failed() -> None:
            async with pool.acquire() as conn:
                row = await conn.fetchrow(
                    "SELECT published_at, attempts FROM outbox WHERE id = $1", uuid.UUID(event_id)
                )
            assert row is not None
            assert row["published_at"] is None
            assert row["attempts"] >= 1

        await eventually(relay_tried_and_failed, timeout=15)
    finally:
        stack.start_nats()

    async def delivered_once() -> None:
        assert [e.id for e in seen if e.tenant == str(org)] == [event_id]

    await eventually(delivered_once, timeout=30)
    await asyncio.sleep(1.0)  # a duplicate would show up now
    assert [e.id for e in seen if e.tenant == str(org)] == [event_id]
    async with pool.acquire() as pooled:
        assert (
            await pooled.fetchval(
                "SELECT count(*) FROM inbox WHERE event_id = $1", uuid.UUID(event_id)
            )
            == 1
        )


async def test_redelivered_event_runs_the_handler_once(wiring: Wiring, stack: TestStack) -> None:
    pool, seen, schema = wiring
    org = uuid.uuid4()
    async with tenant_tx(pool, org) as conn:
        await emit(conn, NoteWritten(body="once"), tenant=org)

    async def delivered() -> None:
        assert len([e for e in seen if e.tenant == str(org)]) == 1

    await eventually(delivered, timeout=10)
    event = next(e for e in seen if e.tenant == str(org))
    # The same event again (as after a lost ack): the inbox makes it a no-op.
    bus = EventBus(stack.nats_url, name="again")
    consumer = Consumer(
        pool,
        bus,
        service=schema,
        subscription=Subscription(name="notes", events=[], handler=lambda c, e: _append(seen, e)),
    )
    assert await consumer.handle_event(event) is False


async def _append(seen: list[CloudEvent], event: CloudEvent) -> None:
    seen.append(event)


async def test_a_pipelined_batch_arrives_whole_and_in_outbox_order(wiring: Wiring) -> None:
    pool, seen, _ = wiring
    org = uuid.uuid4()
    async with tenant_tx(pool, org) as conn:
        for i in range(60):
            await emit(conn, NoteWritten(body=str(i)), tenant=org)

    async def delivered() -> None:
        assert [e.data["body"] for e in seen if e.tenant == str(org)] == [str(i) for i in range(60)]

    await eventually(delivered, timeout=20)
    async with pool.acquire() as raw:
        assert await raw.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0


async def test_a_batch_reads_above_the_floor_and_a_full_scan_finds_a_late_commit(
    pool: asyncpg.Pool, scratch: tuple[str, str], bus: EventBus
) -> None:
    """Batches read from the newest seq already published (not over every published row's
    index entry since the last vacuum); a row that took its seq before that and committed
    after is found by the next full scan."""
    schema, _ = scratch
    relay = OutboxRelay(pool, bus, schema=schema)
    relay.floor_margin, relay.full_scan_seconds = 0.0, 1.0  # a batch's newest is the floor
    org = uuid.uuid4()
    async with pool.acquire() as late:
        # Not one of our transactions: its outbox row is inserted now, seq taken now.
        tx = late.transaction()
        await tx.start()
        await emit(unpooled(late), NoteWritten(body="late"), tenant=org)
        async with tenant_tx(pool, org) as conn:
            await emit(conn, NoteWritten(body="early"), tenant=org)
        assert await relay.publish_pending() == 1  # the first batch scans from the start
        await tx.commit()
    assert await relay.publish_pending() == 0  # "late" is under the floor
    assert relay.floor > 0
    await asyncio.sleep(relay.full_scan_seconds)
    assert await relay.publish_pending() == 1  # the full scan
    async with pool.acquire() as raw:
        assert await raw.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0


class RecordingRelay(OutboxRelay):
    """Notes when each message is handed to nats-py and when its ack is back."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.steps: list[str] = []

    async def _publish(self, row: asyncpg.Record) -> None:
        self.steps.append("sent")
        await super()._publish(row)
        self.steps.append("acked")


async def test_a_batch_is_sent_before_any_ack_and_arrives_in_order(
    pool: asyncpg.Pool, scratch: tuple[str, str], bus: EventBus, nc: NatsClient
) -> None:
    schema, _ = scratch
    relay = RecordingRelay(pool, bus, schema=schema)
    org = uuid.uuid4()
    arrived: list[str] = []

    async def on_msg(msg: Any) -> None:
        event = orjson.loads(msg.data)
        if event["tenant"] == str(org):
            arrived.append(event["data"]["body"])

    await nc.subscribe("servelo.events.scratch.note-written", cb=on_msg)
    await nc.flush()
    for batch in ("a", "b"):
        async with tenant_tx(pool, org) as conn:
            for i in range(10):
                await emit(conn, NoteWritten(body=f"{batch}{i}"), tenant=org)
        relay.steps.clear()
        assert await relay.publish_pending() == 10
        # The bus's own JetStream requests made the reply subscription: all ten are
        # written before the first ack is awaited.
        assert relay.steps == ["sent"] * 10 + ["acked"] * 10, relay.steps

    expected = [f"{b}{i}" for b in "ab" for i in range(10)]

    async def in_order() -> None:
        assert arrived == expected

    await eventually(in_order, timeout=10)
