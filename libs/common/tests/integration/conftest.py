"""A scratch schema owned by a fresh non-superuser role: RLS applies to it as to services;
an event bus and a plain NATS client on the test stack's server."""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import nats
import pytest
from nats.aio.client import Client as NatsClient
from servelo_common.bus import EventBus
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


@pytest.fixture
async def nc(stack: TestStack) -> AsyncIterator[NatsClient]:
    conn = await nats.connect(stack.nats_url)
    yield conn
    await conn.close()


@pytest.fixture
async def bus(stack: TestStack, scratch: tuple[str, str]) -> AsyncIterator[EventBus]:
    """The scratch schema's bus (named after it), connected."""
    schema, _ = scratch
    bus = EventBus(stack.nats_url, name=schema)
    bus.start()
    await asyncio.wait_for(bus.wait_ready(), 10)
    yield bus
    await bus.close()
