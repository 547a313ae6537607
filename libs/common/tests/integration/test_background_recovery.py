"""The outbox relay and the mail sender survive their database connections being killed
(what a Postgres restart does to them), with the real server terminating the backends."""

import uuid
from typing import ClassVar

import asyncpg
from pydantic import SecretStr
from servelo_common.bus import EventBus
from servelo_common.config import ServiceSettings
from servelo_common.consumer import Consumer, Subscription
from servelo_common.db import tenant_tx
from servelo_common.events import CloudEvent, DomainEvent, emit
from servelo_common.mail import Mail, MailSender, queue_mail
from servelo_common.relay import OutboxRelay
from servelo_dev.testing import eventually
from servelo_dev.testing.plugin import TestStack


class PingSent(DomainEvent):
    source: ClassVar[str] = "scratch"
    type: ClassVar[str] = "ping-sent"
    n: int


async def terminate_backends(stack: TestStack, schema: str) -> int:
    """Kill every server process of the scratch role: its pooled and LISTEN connections."""
    conn = await asyncpg.connect(stack.admin_dsn)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE usename = $1) t",
                f"{schema}_{schema}",
            )
        )
    finally:
        await conn.close()


async def test_relay_keeps_publishing_after_its_connections_are_killed(
    stack: TestStack, pool: asyncpg.Pool, scratch: tuple[str, str], bus: EventBus
) -> None:
    schema, _ = scratch
    seen: list[CloudEvent] = []

    async def handler(conn: asyncpg.Connection, event: CloudEvent) -> None:
        seen.append(event)

    subject = PingSent.subject()
    relay = OutboxRelay(pool, bus, schema=schema)
    consumer = Consumer(
        pool,
        bus,
        service=schema,
        subscription=Subscription(name="pings", events=[subject], handler=handler),
    )
    relay.start()
    consumer.start()
    org = uuid.uuid4()
    try:
        for n in (1, 2, 3):
            async with tenant_tx(pool, org) as conn:
                await emit(conn, PingSent(n=n), tenant=org)

            async def delivered(n: int = n) -> None:
                assert [e.data["n"] for e in seen if e.tenant == str(org)] == list(range(1, n + 1))

            await eventually(delivered, timeout=15)
            assert relay.alive
            assert await terminate_backends(stack, schema) >= 1
            # Until the relay has listened again, a NOTIFY can be missed: the poll catches it.
    finally:
        await consumer.stop()
        await relay.stop()


async def test_mail_sender_keeps_sending_after_its_connections_are_killed(
    stack: TestStack, pool: asyncpg.Pool, scratch: tuple[str, str]
) -> None:
    schema, dsn = scratch
    settings = ServiceSettings(
        database_url=dsn,
        nats_url=stack.nats_url,
        internal_secret=SecretStr("test-secret-0123456789abcdef-0123456789"),
        env="test",
        smtp_url=stack.mail.url,
    )
    sender = MailSender(pool, settings, schema=schema)
    sender.start()
    try:
        for n in (1, 2, 3):
            to = f"m{n}-{uuid.uuid4().hex[:8]}@example.com"
            async with tenant_tx(pool, uuid.uuid4()) as conn:
                await queue_mail(conn, Mail(to=to, subject=f"Hello {n}", text="Hi"))
            await stack.mail.wait_for(to=to, timeout=15)
            assert sender.alive
            assert await terminate_backends(stack, schema) >= 1
    finally:
        await sender.stop()


async def test_connections_killed_while_idle_do_not_fail_the_next_transaction(
    stack: TestStack, pool: asyncpg.Pool, scratch: tuple[str, str]
) -> None:
    """The server's FATAL to an idle pooled connection may be read before its close: the
    transaction that takes that connection next must not fail (nor answer a 500)."""
    schema, _ = scratch
    org = uuid.uuid4()
    for _ in range(30):
        conns = [await pool.acquire() for _ in range(pool.get_max_size())]
        for conn in conns:
            await conn.fetchval("SELECT 1")
            await pool.release(conn)
        await terminate_backends(stack, schema)
        async with tenant_tx(pool, org) as tx:
            assert await tx.fetchval("SELECT 1") == 1


async def test_connections_killed_while_idle_do_not_fail_the_next_read(
    stack: TestStack, pool: asyncpg.Pool, scratch: tuple[str, str]
) -> None:
    """The same for a read, whose first statement is the query itself (no BEGIN)."""
    schema, _ = scratch
    org = uuid.uuid4()
    for _ in range(30):
        conns = [await pool.acquire() for _ in range(pool.get_max_size())]
        for conn in conns:
            await conn.fetchval("SELECT 1")
            await pool.release(conn)
        await terminate_backends(stack, schema)
        async with tenant_tx(pool, org, readonly=True) as read:
            assert await read.fetchval("SELECT 1") == 1
