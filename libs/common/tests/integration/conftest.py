"""A scratch schema owned by a fresh non-superuser role: RLS applies to it as to services."""

from collections.abc import AsyncIterator

import asyncpg
import pytest
from servelo_common.db import create_pool
from servelo_dev.testing.plugin import TestStack
from servelo_dev.testing.scratch import scratch_schema


@pytest.fixture
async def scratch(stack: TestStack) -> AsyncIterator[tuple[str, str]]:
    """(schema, dsn) of a migrated scratch schema."""
    async with scratch_schema(stack) as made:
        yield made


@pytest.fixture
async def pool(scratch: tuple[str, str]) -> AsyncIterator[asyncpg.Pool]:
    schema, dsn = scratch
    p = await create_pool(dsn, schema=schema, application_name="test", max_size=4)
    yield p
    await p.close()
