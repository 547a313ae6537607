import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from servelo_common.db import create_pool, enter_org_sql, system_tx, tenant_tx


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
    async with tenant_tx(pool, a) as conn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("INSERT INTO notes (org_id, body) VALUES ($1, 'sneaky')", b)


async def test_system_transaction_sees_every_tenant(
    pool: asyncpg.Pool, notes: tuple[uuid.UUID, uuid.UUID]
) -> None:
    async with system_tx(pool) as conn:
        assert await conn.fetchval("SELECT count(*) FROM notes") == 3


@pytest.fixture
async def one_conn(scratch: tuple[str, str]) -> AsyncIterator[asyncpg.Pool]:
    """A pool of one connection: each transaction sees what the previous one left."""
    schema, dsn = scratch
    p = await create_pool(dsn, schema=schema, application_name="test", min_size=1, max_size=1)
    yield p
    await p.close()


async def test_rls_refuses_another_tenants_row_with_the_one_round_trip_start(
    pool: asyncpg.Pool, notes: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, b = notes
    async with tenant_tx(pool, b) as conn:
        b_id = await conn.fetchval("SELECT id FROM notes WHERE body = 'b1'")
    async with tenant_tx(pool, a) as conn:
        # The tenant setting went with BEGIN in one message; it is in force for the query.
        assert await conn.fetchval("SELECT current_setting('servelo.org_id')") == str(a)
        assert await conn.fetchrow("SELECT * FROM notes WHERE id = $1", b_id) is None
    async with tenant_tx(pool, a, readonly=True) as conn:
        assert await conn.fetchrow("SELECT * FROM notes WHERE id = $1", b_id) is None
        assert await conn.fetchval("SELECT count(*) FROM notes") == 2


async def test_opening_a_tenant_transaction_is_one_message(
    one_conn: asyncpg.Pool, notes: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, _ = notes
    sent: list[str] = []
    async with one_conn.acquire() as raw:
        raw.add_query_logger(lambda record: sent.append(record.query))
    await asyncio.sleep(0.01)  # loggers are called soon, not at once
    sent.clear()  # the release's reset of that plain acquire
    async with tenant_tx(one_conn, a) as conn:
        await conn.fetchval("SELECT count(*) FROM notes")
    await asyncio.sleep(0.01)
    assert sent[0].startswith("BEGIN; SELECT servelo_enter_org_or_refuse(")
    assert sent[1:] == ["SELECT count(*) FROM notes", "COMMIT;"]


def test_the_org_id_literal_is_only_ever_a_uuid() -> None:
    org = uuid.uuid4()
    assert enter_org_sql(org) == f"SELECT servelo_enter_org_or_refuse('{org}'::uuid)"
    with pytest.raises(ValueError):
        enter_org_sql("00000000-0000-0000-0000-000000000000'::uuid); DROP TABLE notes; --")


async def test_a_read_only_tenant_transaction_refuses_writes(
    pool: asyncpg.Pool, notes: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, _ = notes

    async def write_in_a_read() -> None:
        async with tenant_tx(pool, a, readonly=True) as conn:
            await conn.execute("INSERT INTO notes (org_id, body) VALUES ($1, 'x')", a)

    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        await write_in_a_read()


async def test_the_next_user_of_the_connection_inherits_no_tenant(
    one_conn: asyncpg.Pool, notes: tuple[uuid.UUID, uuid.UUID]
) -> None:
    # The pool skips its reset after our transactions: their settings are transaction-local.
    a, _ = notes
    async with tenant_tx(one_conn, a) as conn:
        await conn.execute("SELECT set_config('random_page_cost', '1.1', true)")
    async with one_conn.acquire() as raw:
        assert await raw.fetchval("SELECT current_setting('servelo.org_id', true)") in ("", None)
        assert await raw.fetchval("SHOW random_page_cost") == "4"
        assert await raw.fetchval("SELECT count(*) FROM notes") == 0

    async def rolled_back() -> None:
        async with tenant_tx(one_conn, a) as conn:
            await conn.execute("INSERT INTO notes (org_id, body) VALUES ($1, 'rolled back')", a)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        await rolled_back()
    async with one_conn.acquire() as raw:
        assert await raw.fetchval("SELECT current_setting('servelo.org_id', true)") in ("", None)


async def test_other_uses_of_a_connection_are_still_reset(one_conn: asyncpg.Pool) -> None:
    async with one_conn.acquire() as conn:
        await conn.execute("SET statement_timeout = 0")
    async with one_conn.acquire() as conn:
        assert await conn.fetchval("SHOW statement_timeout") == "15s"


async def test_a_savepoint_inside_a_tenant_transaction(
    pool: asyncpg.Pool, notes: tuple[uuid.UUID, uuid.UUID]
) -> None:
    a, _ = notes
    async with tenant_tx(pool, a) as conn:

        async def duplicate_in_a_savepoint() -> None:
            async with conn.transaction():
                await conn.execute("INSERT INTO notes (id, org_id, body) VALUES (1, $1, 'x')", a)

        with pytest.raises(asyncpg.UniqueViolationError):
            await duplicate_in_a_savepoint()
        await conn.execute("INSERT INTO notes (org_id, body) VALUES ($1, 'kept')", a)
    async with tenant_tx(pool, a, readonly=True) as conn:
        assert await conn.fetchval("SELECT count(*) FROM notes WHERE body = 'kept'") == 1


async def test_a_transaction_cancelled_while_it_begins_gives_its_connection_back(
    scratch: tuple[str, str],
) -> None:
    """A worker stopped while its BEGIN waits (here on the org's purge lock, held by a
    purge): the pool's close must not wait for ever for that connection."""
    schema, dsn = scratch
    pool = await create_pool(dsn, schema=schema, application_name="t", min_size=1, max_size=2)
    org = uuid.uuid4()
    async with pool.acquire() as purge, purge.transaction():
        await purge.execute("SELECT pg_advisory_xact_lock(servelo_org_lock_key($1))", org)

        async def begin() -> None:
            async with tenant_tx(pool, org):
                pass

        waiting = asyncio.create_task(begin())
        await asyncio.sleep(0.3)
        assert not waiting.done()
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
    await asyncio.wait_for(pool.close(), 10)
