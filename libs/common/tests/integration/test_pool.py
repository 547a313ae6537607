"""The service pool: a free connection is taken at once, without a timeout's task and
timer; an exhausted pool answers `Database busy` after the acquire timeout; a connection
lost while a request holds it ends the request as unavailable, and the pool goes on."""

import asyncio
import uuid
from collections.abc import Awaitable
from typing import Any

import asyncpg
import pytest
from asyncpg import compat
from servelo_common.db import create_pool, tenant_tx
from servelo_common.errors import ServiceUnavailable, is_unavailable


async def test_a_free_connection_is_taken_without_a_timer(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    timed: list[float | None] = []
    original = compat.wait_for

    async def counting(fut: Awaitable[Any], timeout: float | None) -> Any:
        timed.append(timeout)
        return await original(fut, timeout)

    monkeypatch.setattr(compat, "wait_for", counting)  # what Pool._acquire calls
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT 1") == 1
        # Its release is bounded as a timed acquire's is.
        assert conn._holder._timeout == pool.acquire_timeout  # type: ignore[attr-defined]
    assert timed == []


async def test_an_exhausted_pool_answers_database_busy(scratch: tuple[str, str]) -> None:
    schema, dsn = scratch
    small = await create_pool(
        dsn, schema=schema, application_name="test", max_size=1, acquire_timeout=0.2
    )
    try:
        async with small.acquire():
            with pytest.raises(ServiceUnavailable, match="Database busy"):
                async with small.acquire():
                    pass
        async with small.acquire() as conn:  # free again
            assert await conn.fetchval("SELECT 1") == 1
    finally:
        await small.close()


async def _lost(conn: Any, dsn: str) -> None:
    """Terminate `conn`'s backend from outside (what a Postgres restart does to it) and
    wait until asyncpg has seen it close, which releases it to the pool."""
    pid = await conn.fetchval("SELECT pg_backend_pid()")
    other = await asyncpg.connect(dsn)
    try:
        await other.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await other.close()
    for _ in range(100):
        if conn._con is None:  # the proxy, detached
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the connection did not close")


async def test_a_write_whose_connection_is_lost_fails_as_unavailable(
    pool: asyncpg.Pool, scratch: tuple[str, str]
) -> None:
    """Its COMMIT fails: the block's error says a dependency is away (503), not that the
    proxy of the already released connection refused a call (a 500)."""
    with pytest.raises(Exception) as caught:
        async with tenant_tx(pool, uuid.uuid4()) as conn:
            await _lost(conn, scratch[1])
    assert is_unavailable(caught.value), repr(caught.value)
    async with tenant_tx(pool, uuid.uuid4()) as conn:  # the pool goes on
        assert await conn.fetchval("SELECT 1") == 1


async def test_a_read_whose_connection_is_lost_after_it_ends_cleanly(
    pool: asyncpg.Pool, scratch: tuple[str, str]
) -> None:
    async with tenant_tx(pool, uuid.uuid4(), readonly=True) as conn:
        assert await conn.fetchval("SELECT 1") == 1
        await _lost(conn._conn, scratch[1])  # type: ignore[attr-defined]  # the reader's
    async with tenant_tx(pool, uuid.uuid4(), readonly=True) as conn:
        assert await conn.fetchval("SELECT 2") == 2
