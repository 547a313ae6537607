"""Every wait is bounded: statement, lock and idle-in-transaction timeouts on every service
connection, a pool that answers 503 instead of queueing for ever, and through the gateway a
table held by someone else answers 503 + Retry-After within seconds, not a hang."""

import asyncio
import time
from collections.abc import AsyncIterator

import asyncpg
import pytest
from servelo_common.db import create_pool
from servelo_common.errors import ServiceUnavailable, is_unavailable
from servelo_dev.testing.plugin import TestStack
from servelo_dev.testing.tenants import Tenant


@pytest.fixture
async def tight_pool(scratch: tuple[str, str]) -> AsyncIterator[asyncpg.Pool]:
    schema, dsn = scratch
    pool = await create_pool(
        dsn,
        schema=schema,
        application_name="test",
        max_size=1,
        statement_timeout=0.5,
        lock_timeout=0.3,
        idle_in_transaction_timeout=2,
        acquire_timeout=0.3,
    )
    yield pool
    await pool.close()


async def test_service_connections_carry_their_timeouts(tight_pool: asyncpg.Pool) -> None:
    async with tight_pool.acquire() as conn:
        assert await conn.fetchval("SHOW statement_timeout") == "500ms"
        assert await conn.fetchval("SHOW lock_timeout") == "300ms"
        assert await conn.fetchval("SHOW idle_in_transaction_session_timeout") == "2s"
        with pytest.raises(asyncpg.QueryCanceledError) as caught:
            await conn.execute("SELECT pg_sleep(3)")
        assert is_unavailable(caught.value)


async def test_a_full_pool_answers_service_unavailable_instead_of_waiting(
    tight_pool: asyncpg.Pool,
) -> None:
    async with tight_pool.acquire():
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable):
            async with tight_pool.acquire():
                pass
        assert time.monotonic() - started < 2


@pytest.mark.slow
async def test_a_table_held_by_someone_else_answers_503_not_a_hang(
    stack: TestStack, db: asyncpg.Connection, tenant: Tenant
) -> None:
    if "tickets" not in stack.services:
        pytest.skip("needs tickets")
    assert (await tenant.admin.post("/api/tickets", json={"title": "Held"})).status == 201
    # More requests than the service's pool (SERVELO_DB_POOL_MAX=5) while the table is
    # locked: the first ones hit the lock timeout, the rest the pool's acquire timeout.
    async with db.transaction():
        await db.execute("LOCK TABLE tickets.tickets IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        answers = await asyncio.gather(
            *(tenant.admin.get("/api/tickets?limit=5") for _ in range(8))
        )
        elapsed = time.monotonic() - started
    assert elapsed < 25  # bounded well below the gateway's 30 s
    for resp in answers:
        assert resp.status == 503, resp
        assert resp.headers["Retry-After"]
        assert resp.json["code"] == "unavailable"
        assert resp.json["error"] == resp.json["message"]
    assert (await tenant.admin.get("/api/tickets?limit=5")).status == 200
