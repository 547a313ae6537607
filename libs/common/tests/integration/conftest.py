"""A scratch schema owned by a fresh non-superuser role: RLS applies to it as to services."""

import secrets
from collections.abc import AsyncIterator

import asyncpg
import pytest
from servelo_common.db import create_pool
from servelo_common.devstack.provision import provision
from servelo_common.migrate import migrate_dsn
from servelo_common.testing.plugin import TestStack


@pytest.fixture
async def scratch(stack: TestStack) -> AsyncIterator[tuple[str, str]]:
    """(schema, dsn) of a migrated scratch schema."""
    schema = "scratch_" + secrets.token_hex(4)
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


@pytest.fixture
async def pool(scratch: tuple[str, str]) -> AsyncIterator[asyncpg.Pool]:
    schema, dsn = scratch
    p = await create_pool(dsn, schema=schema, application_name="test", max_size=4)
    yield p
    await p.close()
