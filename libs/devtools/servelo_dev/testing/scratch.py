"""A schema of its own for a test: provisioned and migrated as a service's is, owned by a
fresh non-superuser role (so row-level security applies as it does to services), and
dropped with its role afterwards."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from servelo_common.migrate import migrate_dsn
from servelo_common.provision import provision

from servelo_dev.testing.plugin import TestStack


@asynccontextmanager
async def scratch_schema(
    stack: TestStack, prefix: str = "scratch"
) -> AsyncIterator[tuple[str, str]]:
    """(schema, dsn as its own role `<schema>_<schema>`) in the stack's database."""
    schema = f"{prefix}_{secrets.token_hex(4)}"
    dsns = await provision(
        stack.stack.admin_dsn,
        database=stack.stack.config.database,
        role_prefix=schema,
        services={schema: secrets.token_urlsafe(12)},
    )
    await migrate_dsn(dsns[schema], schema=schema, folder=None)
    yield schema, dsns[schema]
    conn = await asyncpg.connect(stack.admin_dsn)
    try:
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        await conn.execute(f"DROP OWNED BY {schema}_{schema}")
        await conn.execute(f"DROP ROLE {schema}_{schema}")
    finally:
        await conn.close()
