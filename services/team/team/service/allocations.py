"""Allocations: list, get, book, rebook, delete; a booking answers the member's over-booked
days, counted with every other booking of the member."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import asyncpg
from servelo_common.db import Pool, tenant_tx
from servelo_common.errors import NotFound, found
from servelo_common.events import emit
from servelo_common.identity import Identity
from servelo_common.pagination import PageRequest

from team.domain.allocations import Allocation, BookedAllocation
from team.events import AllocationCreated, AllocationDeleted, AllocationUpdated
from team.repository import allocations as repo
from team.schemas.allocations import AllocationCreate, AllocationQuery, AllocationUpdate
from team.service import check_period, check_refs, org_of

NOT_FOUND = "Allocation not found"


async def _booked(
    conn: asyncpg.Connection, org_id: UUID, allocation: Allocation
) -> BookedAllocation:
    # The member row is locked (FOR UPDATE) by the caller, so every other booking of this
    # member is either committed and counted here, or waits for this transaction.
    bookings = await repo.bookings_over(conn, org_id=org_id, allocation=allocation)
    return BookedAllocation.check(allocation, bookings)


async def list_allocations(
    pool: Pool, *, ident: Identity, query: AllocationQuery, page: PageRequest
) -> list[Allocation]:
    org_id = org_of(ident)
    async with tenant_tx(pool, org_id, readonly=True) as conn:
        rows = await repo.list_allocations(
            conn,
            org_id=org_id,
            query=query,
            limit=page.limit + 1,
            after=page.cursor,
            since=page.since,
        )
    return [Allocation.from_row(r) for r in rows]


async def get_allocation(pool: Pool, *, ident: Identity, allocation_id: UUID) -> Allocation:
    org_id = org_of(ident)
    async with tenant_tx(pool, org_id, readonly=True) as conn:
        row = await repo.get_allocation(conn, org_id=org_id, allocation_id=allocation_id)
    return Allocation.from_row(found(row, NOT_FOUND))


async def create_allocation(
    pool: Pool, *, ident: Identity, data: AllocationCreate
) -> BookedAllocation:
    org_id = org_of(ident)
    values = data.model_dump()
    async with tenant_tx(pool, org_id) as conn:
        await check_refs(conn, org_id=org_id, values=values, member_lock="UPDATE")
        allocation = Allocation.from_row(
            await repo.insert_allocation(conn, org_id=org_id, allocation_id=uuid4(), values=values)
        )
        booked = await _booked(conn, org_id, allocation)
        await emit(
            conn,
            AllocationCreated.of(allocation),
            tenant=org_id,
            subject=allocation.id,
        )
    return booked


async def update_allocation(
    pool: Pool, *, ident: Identity, allocation_id: UUID, data: AllocationUpdate
) -> BookedAllocation:
    org_id = org_of(ident)
    changes = data.provided()
    async with tenant_tx(pool, org_id) as conn:
        row = await repo.get_allocation(
            conn, org_id=org_id, allocation_id=allocation_id, lock="UPDATE"
        )
        if row is None:
            raise NotFound(NOT_FOUND)
        current = Allocation.from_row(row)
        check_period(
            changes.get("start_date", current.start_date), changes.get("end_date", current.end_date)
        )
        # The member is always locked: the warnings must count every booking of the day.
        refs: dict[str, Any] = {
            "team_member_id": changes.get("team_member_id", current.team_member_id)
        }
        if "project_id" in changes:
            refs["project_id"] = changes["project_id"]
        await check_refs(conn, org_id=org_id, values=refs, member_lock="UPDATE")
        row = await repo.update_allocation(
            conn, org_id=org_id, allocation_id=allocation_id, changes=changes
        )
        assert row is not None  # locked above
        allocation = Allocation.from_row(row)
        booked = await _booked(conn, org_id, allocation)
        await emit(
            conn,
            AllocationUpdated.of(allocation),
            tenant=org_id,
            subject=allocation_id,
        )
    return booked


async def delete_allocation(pool: Pool, *, ident: Identity, allocation_id: UUID) -> None:
    org_id = org_of(ident)
    async with tenant_tx(pool, org_id) as conn:
        row = await repo.delete_allocation(conn, org_id=org_id, allocation_id=allocation_id)
        if row is None:
            raise NotFound(NOT_FOUND)
        await emit(
            conn,
            AllocationDeleted.of(Allocation.from_row(row)),
            tenant=org_id,
            subject=allocation_id,
        )
