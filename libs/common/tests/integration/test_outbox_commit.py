"""An event's outbox row goes with the COMMIT, in one message (servelo_common.connection):
what it writes is what a bound parameter wrote, savepoints and rollbacks are honoured."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import ClassVar

import asyncpg
import pytest
from servelo_common.bus import EventBus
from servelo_common.db import create_pool, system_tx, tenant_tx, unpooled
from servelo_common.events import DomainEvent, emit
from servelo_common.relay import OutboxRelay
from servelo_dev.testing.plugin import TestStack
from servelo_dev.testing.roundtrips import RoundTrips, counting_dsn


class NoteWritten(DomainEvent):
    source: ClassVar[str] = "scratch"
    type: ClassVar[str] = "note-written"
    body: str


Counted = tuple[asyncpg.Pool, RoundTrips]


@pytest.fixture
async def counted(scratch: tuple[str, str]) -> AsyncIterator[Counted]:
    schema, dsn = scratch
    async with counting_dsn(dsn) as (relayed, tally):
        p = await create_pool(relayed, schema=schema, application_name="t", max_size=1)
        yield p, tally
        await p.close()


async def bodies(pool: asyncpg.Pool, org: uuid.UUID) -> list[str]:
    async with system_tx(pool) as conn:
        rows = await conn.fetch(
            "SELECT event FROM outbox WHERE event->>'tenant' = $1 ORDER BY seq", str(org)
        )
    return [r["event"]["data"]["body"] for r in rows]


async def test_the_outbox_row_goes_with_the_commit(counted: Counted) -> None:
    pool, tally = counted
    org = uuid.uuid4()

    async def write(body: str) -> None:
        async with tenant_tx(pool, org) as conn:
            await emit(conn, NoteWritten(body=body), tenant=org)
            await emit(conn, NoteWritten(body=body + "+"), tenant=org)

    await write("warm")
    # BEGIN + the tenant setting, then both rows and the COMMIT: 4 on main.
    assert await tally.taken(write("two")) == 2
    assert await bodies(pool, org) == ["warm", "warm+", "two", "two+"]


async def test_a_row_as_literals_is_the_row_a_parameter_wrote(pool: asyncpg.Pool) -> None:
    org = uuid.uuid4()
    tricky = "it's a \\ back'slash \"quoted\" -- ; COMMIT; ünïcødé \u2028 $$ \t\n end"
    async with tenant_tx(pool, org) as conn:
        await emit(conn, NoteWritten(body=tricky), tenant=org)
    async with pool.acquire() as raw, raw.transaction():  # not ours: written at once
        await emit(unpooled(raw), NoteWritten(body=tricky), tenant=org)
    assert await bodies(pool, org) == [tricky, tricky]
    async with system_tx(pool) as conn:
        rows = await conn.fetch(
            "SELECT event, subject, traceparent FROM outbox WHERE event->>'tenant' = $1"
            " ORDER BY seq",
            str(org),
        )
    deferred, direct = (dict(r) for r in rows)
    assert deferred["subject"] == direct["subject"] == NoteWritten.subject()
    assert deferred["traceparent"] is direct["traceparent"] is None
    assert deferred["event"].keys() == direct["event"].keys()


async def test_an_event_in_a_savepoint_that_rolls_back_is_not_committed(
    pool: asyncpg.Pool,
) -> None:
    org = uuid.uuid4()
    async with tenant_tx(pool, org) as conn:
        await emit(conn, NoteWritten(body="before"), tenant=org)

        async def failed_step() -> None:
            async with conn.transaction():
                await emit(conn, NoteWritten(body="rolled back"), tenant=org)
                async with conn.transaction():
                    await emit(conn, NoteWritten(body="inner, then rolled back"), tenant=org)
                raise RuntimeError

        with pytest.raises(RuntimeError):
            await failed_step()
        async with conn.transaction():
            await emit(conn, NoteWritten(body="released"), tenant=org)
        await emit(conn, NoteWritten(body="after"), tenant=org)
    assert await bodies(pool, org) == ["before", "released", "after"]


async def test_a_rolled_back_transaction_leaves_no_row_for_the_next(counted: Counted) -> None:
    pool, _ = counted  # one connection: the next transaction is on the same one
    org = uuid.uuid4()

    async def rolled_back() -> None:
        async with tenant_tx(pool, org) as conn:
            await emit(conn, NoteWritten(body="never"), tenant=org)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        await rolled_back()
    async with tenant_tx(pool, org) as conn:
        await emit(conn, NoteWritten(body="kept"), tenant=org)
    assert await bodies(pool, org) == ["kept"]


async def test_a_read_only_transaction_refuses_an_event(pool: asyncpg.Pool) -> None:
    org = uuid.uuid4()
    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        async with tenant_tx(pool, org, readonly=True) as conn:
            await emit(conn, NoteWritten(body="no"), tenant=org)


async def test_a_relay_batch_is_three_round_trips(
    stack: TestStack, counted: Counted, scratch: tuple[str, str]
) -> None:
    pool, tally = counted
    org = uuid.uuid4()
    bus = EventBus(stack.nats_url, name=scratch[0])
    bus.start()
    try:
        await asyncio.wait_for(bus.wait_ready(), 10)
        relay = OutboxRelay(pool, bus, schema=scratch[0])  # not started: batches by hand
        for n in range(2):
            async with tenant_tx(pool, org) as conn:
                for i in range(3):
                    await emit(conn, NoteWritten(body=f"{n}.{i}"), tenant=org)
            before = tally.count
            assert await relay.publish_pending() == 3
            # BEGIN, the batch, its UPDATE with the COMMIT; the pool skips its reset (it was
            # five: BEGIN, the batch, the UPDATE, COMMIT, the reset).
            assert tally.count - before == 3
        async with system_tx(pool) as conn:
            pending = await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        assert pending == 0
    finally:
        await bus.close()
