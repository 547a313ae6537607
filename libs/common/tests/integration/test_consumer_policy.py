"""Consumers never drop an event: no server-side max_deliver, outages never count against
an event, and a message is terminated only once its dead letter is committed."""

import asyncio
import uuid

import asyncpg
from nats.aio.client import Client as NatsClient
from nats.js.api import AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy
from servelo_common.bus import EventBus
from servelo_common.consumer import Consumer, Subscription
from servelo_common.events import STREAM, CloudEvent, replay_subject
from servelo_dev.testing import eventually
from servelo_dev.testing.events import EventPublisher


def subject() -> str:
    # A type of its own per test keeps the shared stream's other events away.
    return f"servelo.events.scratch.t{uuid.uuid4().hex[:12]}-happened"


async def publish(nc: NatsClient, subj: str, org: uuid.UUID) -> str:
    source, event_type = subj.split(".")[2:4]
    return await EventPublisher(nc).publish(source, event_type, {"id": "x"}, tenant=str(org))


async def consumer_state(nc: NatsClient, durable: str) -> ConsumerInfo:
    info: ConsumerInfo = await nc.jetstream().consumer_info(STREAM, durable)
    return info


async def test_an_existing_durable_loses_its_server_side_max_deliver(
    pool: asyncpg.Pool, scratch: tuple[str, str], bus: EventBus, nc: NatsClient
) -> None:
    schema, _ = scratch
    subj = subject()
    durable = f"{schema}-legacy"
    await nc.jetstream().add_consumer(
        STREAM,
        ConsumerConfig(
            name=durable,
            durable_name=durable,
            filter_subjects=[subj],
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            max_deliver=5,
        ),
    )

    async def handler(conn: asyncpg.Connection, event: CloudEvent) -> None:
        return None

    consumer = Consumer(
        pool, bus, service=schema, subscription=Subscription("legacy", [subj], handler)
    )
    consumer.start()
    try:

        async def updated() -> None:
            info = await consumer_state(nc, durable)
            assert info.config.max_deliver in (None, -1), info.config.max_deliver

        await eventually(updated, timeout=10)
    finally:
        await consumer.stop()


async def test_outages_do_not_count_and_the_event_is_handled_once(
    pool: asyncpg.Pool, scratch: tuple[str, str], bus: EventBus, nc: NatsClient
) -> None:
    schema, _ = scratch
    subj = subject()
    calls = []

    async def handler(conn: asyncpg.Connection, event: CloudEvent) -> None:
        calls.append(event.id)
        if len(calls) <= 6:  # more failures than max_deliver, all of them an outage
            raise asyncpg.CannotConnectNowError("the database system is starting up")

    sub = Subscription("outage", [subj], handler, max_deliver=3, backoff=(0.05,))
    consumer = Consumer(pool, bus, service=schema, subscription=sub)
    consumer.start()
    try:
        event_id = await publish(nc, subj, uuid.uuid4())

        async def handled() -> None:
            async with pool.acquire() as conn:
                assert await conn.fetchval(
                    "SELECT count(*) FROM inbox WHERE event_id = $1", uuid.UUID(event_id)
                )

        await eventually(handled, timeout=15)
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM dead_letters") == 0
        assert len(calls) == 7
    finally:
        await consumer.stop()


async def test_poison_event_is_terminated_only_after_its_dead_letter_is_written(
    pool: asyncpg.Pool, scratch: tuple[str, str], bus: EventBus, nc: NatsClient
) -> None:
    schema, _ = scratch
    subj = subject()
    calls = []

    async def handler(conn: asyncpg.Connection, event: CloudEvent) -> None:
        calls.append(event.id)
        raise ValueError("a bug")

    sub = Subscription("poison", [subj], handler, max_deliver=3, backoff=(0.05,))
    consumer = Consumer(pool, bus, service=schema, subscription=sub)
    # The dead letter cannot be written at first (as while the database is down).
    async with pool.acquire() as conn:
        await conn.execute("ALTER TABLE dead_letters RENAME TO dead_letters_away")
    consumer.start()
    try:
        event_id = await publish(nc, subj, uuid.uuid4())

        async def retried_past_max_deliver() -> None:
            assert len(calls) >= 6

        await eventually(retried_past_max_deliver, timeout=15)
        info = await consumer_state(nc, consumer.durable)
        assert info.num_ack_pending == 1  # still the consumer's to handle, not dropped
        async with pool.acquire() as conn:
            await conn.execute("ALTER TABLE dead_letters_away RENAME TO dead_letters")

        async def dead_lettered() -> None:
            async with pool.acquire() as conn:
                row = await conn.fetchrow(
                    "SELECT error FROM dead_letters WHERE event_id = $1", uuid.UUID(event_id)
                )
            assert row is not None and "a bug" in row["error"]
            info = await consumer_state(nc, consumer.durable)
            assert info.num_ack_pending == 0 and info.num_pending == 0

        await eventually(dead_lettered, timeout=15)
        handled = len(calls)
        await asyncio.sleep(0.5)
        assert len(calls) == handled  # terminated: no further delivery
    finally:
        await consumer.stop()
        async with pool.acquire() as conn:
            await conn.execute("ALTER TABLE IF EXISTS dead_letters_away RENAME TO dead_letters")


async def test_a_durable_also_takes_its_own_replay_subject(
    pool: asyncpg.Pool, scratch: tuple[str, str], bus: EventBus, nc: NatsClient
) -> None:
    schema, _ = scratch
    subj = subject()

    async def handler(conn: asyncpg.Connection, event: CloudEvent) -> None:
        return None

    consumer = Consumer(pool, bus, service=schema, subscription=Subscription("r", [subj], handler))
    consumer.start()
    try:

        async def created() -> None:
            durables = {c.name: c for c in await nc.jetstream().consumers_info(STREAM)}
            assert consumer.durable in durables
            subjects = durables[consumer.durable].config.filter_subjects
            assert subjects == [subj, replay_subject(consumer.durable)]

        await eventually(created, timeout=10)
    finally:
        await consumer.stop()
