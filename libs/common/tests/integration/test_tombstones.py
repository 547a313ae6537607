"""A purged org stays purged: its tombstone refuses every later tenant transaction (so the
shared consumer skips late events before any handler), a transaction in flight when the
purge starts is purged with it, and handled event ids stay de-duplicated."""

import asyncio
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest
from servelo_common.bus import EventBus
from servelo_common.consumer import Consumer, Subscription
from servelo_common.db import OrgDeleted, acquire, system_tx, tenant_tx
from servelo_common.events import CloudEvent
from servelo_common.purge import purge_org
from servelo_dev.testing.plugin import TestStack


async def write_key(conn: asyncpg.Connection, org: uuid.UUID, key: str) -> None:
    await conn.execute(
        "INSERT INTO idempotency_keys (org_id, key, method, path, request_hash)"
        " VALUES ($1, $2, 'POST', '/x', 'h')",
        org,
        key,
    )


async def keys_of(pool: asyncpg.Pool, org: uuid.UUID) -> int:
    async with system_tx(pool) as conn:
        found = await conn.fetchval("SELECT count(*) FROM idempotency_keys WHERE org_id = $1", org)
    return int(found)


def event_for(org: uuid.UUID) -> CloudEvent:
    return CloudEvent(
        id=str(uuid.uuid4()),
        source="servelo/scratch",
        type="thing-happened",
        time=datetime.now(UTC).isoformat(),
        subject=None,
        tenant=str(org),
        data={},
    )


async def test_a_purged_org_refuses_transactions_and_late_events(
    stack: TestStack, pool: asyncpg.Pool, scratch: tuple[str, str]
) -> None:
    schema, _ = scratch
    org, other = uuid.uuid4(), uuid.uuid4()
    ran: list[str] = []

    async def handler(conn: asyncpg.Connection, event: CloudEvent) -> None:
        ran.append(event.id)
        await write_key(conn, event.tenant_id, event.id)

    consumer = Consumer(
        pool,
        EventBus(stack.nats_url, name=schema),
        service=schema,
        subscription=Subscription(name="things", events=[], handler=handler),
    )
    handled = event_for(org)
    assert await consumer.handle_event(handled) is True
    async with system_tx(pool) as conn:
        counts = await purge_org(conn, org_id=org)
    assert counts["idempotency_keys"] == 1 and counts["inbox"] == 1

    with pytest.raises(OrgDeleted):
        async with tenant_tx(pool, org) as conn:
            await write_key(conn, org, "late request")
    assert await consumer.handle_event(event_for(org)) is False  # a late event: skipped
    assert await consumer.handle_event(handled) is False  # a redelivery: still known
    assert ran == [handled.id]
    assert await keys_of(pool, org) == 0
    async with system_tx(pool) as conn:
        inbox = await conn.fetch(
            "SELECT org_id FROM inbox WHERE event_id = $1", uuid.UUID(handled.id)
        )
    assert [r["org_id"] for r in inbox] == [None]  # kept for de-duplication, without the org
    # Another org is untouched.
    assert await consumer.handle_event(event_for(other)) is True


async def test_a_transaction_in_flight_when_the_purge_starts_is_purged_with_it(
    pool: asyncpg.Pool,
) -> None:
    org = uuid.uuid4()
    entered, release = asyncio.Event(), asyncio.Event()

    async def late_writer() -> None:
        async with tenant_tx(pool, org) as conn:
            entered.set()
            await release.wait()
            await write_key(conn, org, "in flight")

    writer = asyncio.create_task(late_writer())
    await entered.wait()

    async def purge() -> None:
        async with system_tx(pool) as conn:
            await purge_org(conn, org_id=org)

    purging = asyncio.create_task(purge())
    await asyncio.sleep(0.3)
    assert not purging.done()  # waits for the transaction in flight
    release.set()
    await writer
    await asyncio.wait_for(purging, 5)
    assert await keys_of(pool, org) == 0


async def test_a_transaction_that_waited_for_the_purge_sees_the_tombstone(
    pool: asyncpg.Pool,
) -> None:
    org = uuid.uuid4()
    async with acquire(pool) as conn, conn.transaction():
        await conn.execute("SELECT set_config('servelo.all_orgs', 'on', true)")
        await purge_org(conn, org_id=org)

        async def late_writer() -> None:
            async with tenant_tx(pool, org) as c:
                await write_key(c, org, "late")

        waiting = asyncio.create_task(late_writer())
        await asyncio.sleep(0.3)
        assert not waiting.done()  # blocked on the purge lock until the purge commits
    with pytest.raises(OrgDeleted):
        await asyncio.wait_for(waiting, 5)
    assert await keys_of(pool, org) == 0
