"""A service's `schema_migrations` (servelo_common.migrate records every applied file)."""

from __future__ import annotations

import asyncpg

from servelo_cli.repository import Record


async def schema_exists(conn: asyncpg.Connection, *, schema: str) -> bool:
    found = await conn.fetchval("SELECT 1 FROM pg_namespace WHERE nspname = $1", schema)
    return found is not None


async def applied(conn: asyncpg.Connection, *, schema: str) -> list[Record] | None:
    """Every applied migration, or None when the schema has never been migrated. Read as
    the administrator (it works while the service's role is broken): `schema` is a checked
    identifier (`target.check_name`)."""
    table = f"{schema}.schema_migrations"
    if not await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", table):
        return None
    return list(
        await conn.fetch(
            f"SELECT component, version, name, applied_at FROM {table}"  # noqa: S608
            " ORDER BY component, version"
        )
    )
