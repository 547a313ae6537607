"""A tenant's read: one round trip, the tenant setting first, row-level security on, nothing
left on the connection (servelo_common.tenant_read)."""

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from servelo_common.db import OrgDeleted, create_pool, system_tx, tenant_tx
from servelo_common.purge import purge_org
from servelo_common.repository import get_row, list_page
from servelo_common.sql import Where
from servelo_common.tenant_read import scoped
from servelo_dev.testing.roundtrips import RoundTrips, counting_dsn

Orgs = tuple[uuid.UUID, uuid.UUID]


@pytest.fixture
async def counted(scratch: tuple[str, str]) -> AsyncIterator[tuple[asyncpg.Pool, RoundTrips]]:
    """A pool of one connection whose every round trip to Postgres is counted."""
    schema, dsn = scratch
    async with counting_dsn(dsn) as (relayed, tally):
        p = await create_pool(relayed, schema=schema, application_name="t", max_size=1)
        yield p, tally
        await p.close()


@pytest.fixture
async def things(counted: tuple[asyncpg.Pool, RoundTrips]) -> Orgs:
    pool, _ = counted
    async with system_tx(pool) as conn:
        await conn.execute(
            "CREATE TABLE things (org_id uuid NOT NULL, id uuid NOT NULL, name text NOT NULL,"
            " PRIMARY KEY (org_id, id))"
        )
        await conn.execute("CREATE INDEX things_name ON things (org_id, name, id)")
        await conn.execute("SELECT enable_tenant_isolation('things')")
        a, b = uuid.uuid4(), uuid.uuid4()
        await conn.execute(
            "INSERT INTO things SELECT CASE WHEN i % 2 = 0 THEN $1::uuid ELSE $2::uuid END,"
            " gen_random_uuid(), 'n' || lpad(i::text, 5, '0') FROM generate_series(1, 4000) i",
            a,
            b,
        )
        await conn.execute("ANALYZE things")
    return a, b


def page(org: uuid.UUID) -> tuple[str, list[Any]]:
    where = Where().add("org_id = {}", org)
    # A later page: the keyset condition as the cursor makes it.
    after = ["n01000", uuid.UUID(int=0)]
    sql = where.page("SELECT name, id FROM things", order=("name", "id"), limit=3, after=after)
    return sql, where.params


async def one_of(pool: asyncpg.Pool, org: uuid.UUID) -> uuid.UUID:
    async with tenant_tx(pool, org, readonly=True) as conn:
        found: uuid.UUID = await conn.fetchval("SELECT id FROM things ORDER BY name LIMIT 1")
    return found


async def test_a_read_is_one_round_trip(
    counted: tuple[asyncpg.Pool, RoundTrips], things: Orgs
) -> None:
    pool, tally = counted
    a, _ = things
    row_id = await one_of(pool, a)

    async def get() -> None:
        async with tenant_tx(pool, a, readonly=True) as conn:
            row = await get_row(conn, "things", org_id=a, row_id=row_id)
        assert row is not None and row["id"] == row_id

    async def a_page() -> None:
        async with tenant_tx(pool, a, readonly=True) as conn:
            rows = await list_page(
                conn,
                "SELECT name, id FROM things",
                Where().add("org_id = {}", a),
                order=("name", "id"),
                limit=3,
                after=None,
            )
        assert [r["name"] for r in rows] == ["n00002", "n00004", "n00006"]

    for _ in range(2):  # the first prepares each statement
        await get()
        await a_page()
    # BEGIN + the tenant setting, the query, COMMIT were three; no reset on release.
    assert await tally.taken(get()) == 1
    assert await tally.taken(a_page()) == 1


async def test_the_tenant_setting_runs_before_the_read_and_keeps_its_index(
    scratch: tuple[str, str], counted: tuple[asyncpg.Pool, RoundTrips], things: Orgs
) -> None:
    """Postgres' plan (generic, as a prepared statement ends up with): a nested loop with the
    setting outside, so it runs first and once; the read inside it, by index."""
    pool, _ = counted
    a, _ = things
    row_id = await one_of(pool, a)
    sql_page, params_page = page(a)
    reads = [
        ("SELECT * FROM things WHERE org_id = $1 AND id = $2", [a, row_id]),
        (sql_page, params_page),
    ]
    schema, dsn = scratch
    conn = await asyncpg.connect(dsn, server_settings={"search_path": schema})
    try:
        # Scans priced out (a few rows may be cheaper to scan): an index the wrapper made
        # unusable would still show as a Seq Scan, which is what this looks for.
        await conn.execute("SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off")
        for n, (sql, params) in enumerate(reads):
            await conn.execute(f"PREPARE read{n} AS {scoped(sql, len(params))}")
            literals = ", ".join(f"'{p}'" for p in [*params, a])
            plan = json.loads(
                await conn.fetchval(f"EXPLAIN (FORMAT JSON) EXECUTE read{n}({literals})")
            )[0]["Plan"]
            assert plan["Node Type"] == "Nested Loop", plan
            outer, inner = plan["Plans"]
            assert outer["Node Type"] == "Result" and "Plans" not in outer  # the setting
            assert "servelo_enter_org_or_refuse" in inner["One-Time Filter"]
            scans = [p["Node Type"] for p in walk(inner)]
            assert "Seq Scan" not in scans and any(s.startswith("Index") for s in scans), scans
            # Run, it finds the row: the setting was in force when row-level security ran.
            assert await conn.fetch(f"EXECUTE read{n}({literals})")
    finally:
        await conn.close()


def walk(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan, *(p for child in plan.get("Plans", []) for p in walk(child))]


async def test_a_read_sees_nothing_of_another_tenant(
    counted: tuple[asyncpg.Pool, RoundTrips], things: Orgs
) -> None:
    pool, _ = counted
    a, b = things
    b_row = await one_of(pool, b)
    async with tenant_tx(pool, a, readonly=True) as conn:
        # No org filter of its own: row-level security alone keeps b's rows out.
        assert await conn.fetchrow("SELECT * FROM things WHERE id = $1", b_row) is None
        assert {r["org_id"] for r in await conn.fetch("SELECT org_id FROM things")} == {a}
        assert await conn.fetchval("SELECT count(*) FROM things") == 2000


async def test_the_read_without_its_setting_finds_nothing_and_none_is_left_behind(
    counted: tuple[asyncpg.Pool, RoundTrips], things: Orgs
) -> None:
    """Fails closed: the same read, had it run before the setting, matches no row; and the
    next user of the connection (a pool of one) inherits no tenant."""
    pool, _ = counted
    a, _ = things
    async with tenant_tx(pool, a, readonly=True) as conn:
        assert await conn.fetchval("SELECT count(*) FROM things") == 2000
    async with pool.acquire() as raw:
        assert await raw.fetchval("SELECT current_setting('servelo.org_id', true)") in ("", None)
        assert await raw.fetchval("SELECT count(*) FROM things") == 0
        assert await raw.fetchval("SELECT count(*) FROM things WHERE org_id = $1", a) == 0


async def test_a_read_of_a_deleted_org_is_refused(
    counted: tuple[asyncpg.Pool, RoundTrips], things: Orgs
) -> None:
    pool, _ = counted
    a, _ = things
    row_id = await one_of(pool, a)
    async with system_tx(pool) as conn:
        await purge_org(conn, org_id=a, tables=["things"])
    with pytest.raises(OrgDeleted):
        async with tenant_tx(pool, a, readonly=True) as conn:
            await get_row(conn, "things", org_id=a, row_id=row_id)
    with pytest.raises(OrgDeleted):
        async with tenant_tx(pool, a, readonly=True) as conn:
            await conn.execute("SELECT 1")  # the transaction's start refuses it as well


async def test_anything_but_a_query_reads_in_a_read_only_transaction(
    counted: tuple[asyncpg.Pool, RoundTrips], things: Orgs
) -> None:
    pool, tally = counted
    a, _ = things

    async def tuned_read() -> None:
        async with tenant_tx(pool, a, readonly=True) as conn:
            await conn.execute("SELECT set_config('random_page_cost', '1.1', true)")
            # A setting made with execute lasts for the rest of the block.
            assert await conn.fetchval("SHOW random_page_cost") == "1.1"
            assert await conn.fetchval("SELECT count(*) FROM things") == 2000

    await tuned_read()
    # BEGIN READ ONLY + the tenant setting, the three statements, COMMIT.
    assert await tally.taken(tuned_read()) == 5
    async with pool.acquire() as raw:
        assert await raw.fetchval("SHOW random_page_cost") == "4"

    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        async with tenant_tx(pool, a, readonly=True) as conn:
            await conn.fetchrow("SELECT * FROM things WHERE org_id = $1 FOR UPDATE", a)
    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        async with tenant_tx(pool, a, readonly=True) as conn:
            await conn.fetchrow("INSERT INTO things VALUES ($1, $2, 'x') RETURNING id", a, a)
    # A write cannot hide in a scoped statement: Postgres allows none in a subquery.
    with pytest.raises(asyncpg.FeatureNotSupportedError):
        async with tenant_tx(pool, a, readonly=True) as conn:
            await conn.fetchrow(
                "WITH x AS (DELETE FROM things RETURNING id) SELECT count(*) FROM x"
            )
    async with tenant_tx(pool, a, readonly=True) as conn:
        assert await conn.fetchval("SELECT count(*) FROM things") == 2000
