import asyncio
from pathlib import Path

import asyncpg
from servelo_common.migrate import migrate_dsn
from servelo_dev.testing.plugin import TestStack


async def test_two_replicas_migrating_at_once_both_succeed(
    stack: TestStack, scratch: tuple[str, str], tmp_path: Path
) -> None:
    schema, dsn = scratch
    (tmp_path / "0001_init.sql").write_text("CREATE TABLE things (id int PRIMARY KEY);")
    (tmp_path / "0002_more.sql").write_text(
        "ALTER TABLE things ADD COLUMN name text; SELECT pg_sleep(0.2);"
    )
    first, second = await asyncio.gather(
        migrate_dsn(dsn, schema=schema, folder=tmp_path),
        migrate_dsn(dsn, schema=schema, folder=tmp_path),
    )
    # One replica applied both files; the other waited on the lock and found nothing to do.
    assert sorted([len(first), len(second)]) == [0, 2]
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f"SET search_path TO {schema}")
        rows = await conn.fetch("SELECT version FROM schema_migrations WHERE component = 'service'")
        assert sorted(r["version"] for r in rows) == [1, 2]
    finally:
        await conn.close()


async def test_failed_migration_leaves_nothing_half_applied(
    stack: TestStack, scratch: tuple[str, str], tmp_path: Path
) -> None:
    schema, dsn = scratch
    (tmp_path / "0001_bad.sql").write_text(
        "CREATE TABLE half (id int); SELECT * FROM no_such_table;"
    )
    try:
        await migrate_dsn(dsn, schema=schema, folder=tmp_path)
    except asyncpg.PostgresError:
        pass
    else:
        raise AssertionError("the broken migration should fail")
    conn = await asyncpg.connect(dsn)
    try:
        assert await conn.fetchval("SELECT to_regclass($1)", f"{schema}.half") is None
    finally:
        await conn.close()
