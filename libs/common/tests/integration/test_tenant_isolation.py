import uuid

import asyncpg
import pytest
from servelo_common.db import system_tx, tenant_tx


@pytest.fixture
async def notes(pool: asyncpg.Pool) -> tuple[uuid.UUID, uuid.UUID]:
    async with pool.acquire() as conn:
        await conn.execute(
            "CREATE TABLE notes (id serial PRIMARY KEY, org_id uuid NOT NULL, body text NOT NULL)"
        )
        await conn.execute("SELECT enable_tenant_isolation('notes')")
    a, b = uuid.uuid4(), uuid.uuid4()
    for org, body in ((a, "a1"), (a, "a2"), (b, "b1")):
        async with tenant_tx(pool, org) as conn:
            await conn.execute("INSERT INTO notes (org_id, body) VALUES ($1, $2)", org, body)
    return a, b


async def test_query_that_forgets_its_tenant_sees_only_its_own_rows(
    pool: asyncpg.Pool, notes: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, _ = notes
    async with tenant_tx(pool, a) as conn:
        bodies = sorted(r["body"] for r in await conn.fetch("SELECT body FROM notes"))
    assert bodies == ["a1", "a2"]


async def test_no_tenant_set_sees_nothing(
    pool: asyncpg.Pool, notes: tuple[uuid.UUID, uuid.UUID]
) -> None:
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM notes") == 0


async def test_cannot_write_a_row_into_another_tenant(
    pool: asyncpg.Pool, notes: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, b = notes
    import asyncpg

    async with tenant_tx(pool, a) as conn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("INSERT INTO notes (org_id, body) VALUES ($1, 'sneaky')", b)


async def test_system_transaction_sees_every_tenant(
    pool: asyncpg.Pool, notes: tuple[uuid.UUID, uuid.UUID]
) -> None:
    async with system_tx(pool) as conn:
        assert await conn.fetchval("SELECT count(*) FROM notes") == 3
