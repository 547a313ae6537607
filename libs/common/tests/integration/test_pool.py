"""The service pool: a free connection is taken at once, without a timeout's task and
timer; an exhausted pool answers `Database busy` after the acquire timeout."""

from collections.abc import Awaitable
from typing import Any

import asyncpg
import pytest
from asyncpg import compat
from servelo_common.db import create_pool
from servelo_common.errors import ServiceUnavailable


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
