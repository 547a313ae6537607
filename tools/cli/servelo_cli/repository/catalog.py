"""What `servelo check` asks Postgres' catalogs, as the administrator."""

from __future__ import annotations

import asyncpg

from servelo_cli.repository import Record


async def server_version(conn: asyncpg.Connection) -> str:
    return str(await conn.fetchval("SHOW server_version"))


async def role(conn: asyncpg.Connection, *, name: str) -> Record | None:
    row: Record | None = await conn.fetchrow(
        "SELECT rolcanlogin, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole"
        " FROM pg_roles WHERE rolname = $1",
        name,
    )
    return row


async def schema_owner(conn: asyncpg.Connection, *, schema: str) -> str | None:
    owner: str | None = await conn.fetchval(
        "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = $1", schema
    )
    return owner


async def foreign_objects(conn: asyncpg.Connection, *, schema: str, owner: str) -> list[Record]:
    """Tables, sequences, views and functions in `schema` that `owner` does not own (made by
    a migration run as another login: the service could not use or alter them)."""
    return list(
        await conn.fetch(
            "SELECT c.relname AS name, pg_get_userbyid(c.relowner) AS owner FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'S', 'v', 'm')"
            " AND pg_get_userbyid(c.relowner) <> $2"
            " UNION ALL"
            " SELECT p.proname || '()', pg_get_userbyid(p.proowner) FROM pg_proc p"
            " JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = $1 AND pg_get_userbyid(p.proowner) <> $2"
            " ORDER BY 1",
            schema,
            owner,
        )
    )


async def privileges(conn: asyncpg.Connection, *, role: str, database: str) -> Record:
    """May the role connect, and (it must not) create objects in `public`?"""
    row: Record | None = await conn.fetchrow(
        "SELECT has_database_privilege($1, $2, 'CONNECT') AS can_connect,"
        " has_schema_privilege($1, 'public', 'CREATE') AS public_create",
        role,
        database,
    )
    assert row is not None
    return row
