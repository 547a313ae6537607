"""The asyncpg pool of a service, bound to its schema, and the two kinds of transaction.

Every tenant table has row-level security keyed on `servelo.org_id`, set per transaction
by `tenant_tx`. A query that forgot its `org_id` filter therefore sees no other tenant's
rows. Work that must cross tenants (the outbox relay, purges, system-admin listings) says
so explicitly with `system_tx`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

import asyncpg
import orjson

Connection = asyncpg.Connection
Pool = asyncpg.Pool


async def _init_connection(conn: asyncpg.Connection) -> None:
    for typ in ("json", "jsonb"):
        await conn.set_type_codec(
            typ,
            schema="pg_catalog",
            format="text",
            encoder=lambda v: orjson.dumps(v).decode(),
            decoder=orjson.loads,
        )


async def create_pool(
    dsn: str, *, schema: str, application_name: str, min_size: int = 1, max_size: int = 10
) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        # Prepared statements are cached per connection by asyncpg.
        statement_cache_size=512,
        server_settings={"search_path": schema, "application_name": application_name},
    )
    assert pool is not None
    return pool


@asynccontextmanager
async def tenant_tx(pool: asyncpg.Pool, org_id: UUID | str) -> AsyncIterator[asyncpg.Connection]:
    """One transaction scoped to one tenant: row-level security sees only its rows."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('servelo.org_id', $1, true)", str(org_id))
        yield conn


@asynccontextmanager
async def system_tx(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """One transaction that may read and write every tenant's rows. Use sparingly."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('servelo.all_orgs', 'on', true)")
        yield conn
