"""What a request costs in round trips to Postgres, counted on the wire, and the plans its
reads get (docs/benchmarks-e2e.md)."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from servelo_common.db import create_pool
from servelo_common.identity import Identity
from servelo_common.pagination import PageRequest
from servelo_dev.testing.factories import make_ticket
from servelo_dev.testing.plans import custom_plan, generic_plan, scans, statements
from servelo_dev.testing.plugin import TestStack
from servelo_dev.testing.roundtrips import RoundTrips, counting_dsn
from servelo_dev.testing.tenants import Tenant
from tickets.listing import parse_filters
from tickets.schemas import TicketCreate, TicketQuery
from tickets.service import tickets as service

Counted = tuple[asyncpg.Pool, RoundTrips]


@pytest.fixture
async def counted(stack: TestStack) -> AsyncIterator[Counted]:
    """A tickets pool of one connection (as the service's), its round trips counted."""
    async with counting_dsn(stack.stack.service_dsns["tickets"]) as (dsn, tally):
        pool = await create_pool(dsn, schema="tickets", application_name="test", max_size=1)
        yield pool, tally
        await pool.close()


def identity(tenant: Tenant) -> Identity:
    return Identity(
        org_id=tenant.org_id, org_slug=tenant.slug, user_id=tenant.admin.user["id"], role="admin"
    )


async def per_call(tally: RoundTrips, call: Callable[[], Awaitable[Any]]) -> int:
    for _ in range(2):  # the first prepares each statement, as a service's first request does
        await call()
    return await tally.taken(call())


async def test_reading_tickets_is_one_round_trip_by_index(
    counted: Counted, tenant: Tenant, stack: TestStack
) -> None:
    pool, tally = counted
    ident = identity(tenant)
    ticket = UUID((await make_ticket(tenant.admin))["id"])
    for _ in range(3):
        await make_ticket(tenant.admin)
    query = parse_filters(TicketQuery(), caller_id=ident.user_id or "")

    def get() -> Awaitable[Any]:
        return service.get_ticket(pool, ident=ident, ticket_id=ticket)

    def page() -> Awaitable[Any]:
        return service.list_tickets(
            pool, ident=ident, query=query, page=PageRequest(limit=50, cursor=None)
        )

    # Each was BEGIN READ ONLY + the tenant setting, the query, COMMIT.
    assert await per_call(tally, get) == 1
    assert await per_call(tally, page) == 1

    log = await statements(pool)
    await get()
    await page()
    conn = await asyncpg.connect(stack.stack.service_dsns["tickets"])
    try:
        # A table of a few test rows may be cheaper to scan than to look up, whatever the
        # wrapper: with scans priced out, what is checked is that the index is usable
        # through the scope, and that the plan is the unwrapped read's.
        await conn.execute("SET search_path = tickets; SET enable_seqscan = off")
        await asyncio.sleep(0.01)  # the loggers are called soon, not at once
        assert len(log) == 2
        for sql, args in log:
            # The read as the repository wrote it, and its plans with and without the scope.
            read = sql.split("LATERAL (SELECT * FROM (", 1)[1].rsplit(") AS r WHERE", 1)[0]
            plan = await custom_plan(conn, sql, args)
            assert plan["Node Type"] == "Nested Loop"  # the tenant setting first
            assert scans(plan)["tickets"].startswith("Index"), plan
            assert scans(plan) == scans(await custom_plan(conn, read, args[:-1]))
            generic = await generic_plan(conn, sql, args)
            assert scans(generic) == scans(await generic_plan(conn, read, args[:-1]))
    finally:
        await conn.close()


async def test_creating_a_ticket_round_trips(counted: Counted, tenant: Tenant) -> None:
    pool, tally = counted
    ident = identity(tenant)
    await make_ticket(tenant.admin)  # tickets knows the org

    def create() -> Awaitable[Any]:
        return service.create_ticket(pool, ident=ident, data=TicketCreate(title="Tap"))

    # BEGIN + the tenant setting, the INSERT (the org's next number in it), the outbox row
    # with the COMMIT (they were two round trips on main).
    assert await per_call(tally, create) == 3
