"""Allocations: the `allocations` table, and a member's bookings over some days."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from servelo_common.repository import (
    Lock,
    Record,
    delete_row,
    get_row,
    insert_row,
    list_page,
    update_row,
)

from team.domain.allocations import Allocation, Booking
from team.repository import dated_where
from team.schemas.allocations import AllocationQuery

COLUMNS = frozenset({"team_member_id", "project_id", "start_date", "end_date", "hours_per_day"})


async def list_allocations(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    query: AllocationQuery,
    limit: int,
    after: Sequence[Any] | None,
    since: datetime | None = None,
) -> list[Record]:
    """Those overlapping `query.start`..`query.end`, by (start_date, id)."""
    where = dated_where(org_id=org_id, query=query)
    where.when(query.start, "end_date >= {}").when(query.end, "start_date <= {}")
    return await list_page(
        conn,
        "SELECT * FROM allocations",
        where,
        order=("start_date", "id"),
        limit=limit,
        after=after,
        since=since,
    )


async def get_allocation(
    conn: asyncpg.Connection, *, org_id: UUID, allocation_id: UUID, lock: Lock | None = None
) -> Record | None:
    return await get_row(conn, "allocations", org_id=org_id, row_id=allocation_id, lock=lock)


async def insert_allocation(
    conn: asyncpg.Connection, *, org_id: UUID, allocation_id: UUID, values: Mapping[str, Any]
) -> Record:
    return await insert_row(
        conn, "allocations", COLUMNS, org_id=org_id, row_id=allocation_id, values=values
    )


async def update_allocation(
    conn: asyncpg.Connection, *, org_id: UUID, allocation_id: UUID, changes: Mapping[str, Any]
) -> Record | None:
    return await update_row(
        conn, "allocations", COLUMNS, org_id=org_id, row_id=allocation_id, changes=changes
    )


async def delete_allocation(
    conn: asyncpg.Connection, *, org_id: UUID, allocation_id: UUID
) -> Record | None:
    return await delete_row(conn, "allocations", org_id=org_id, row_id=allocation_id)


async def bookings_over(
    conn: asyncpg.Connection, *, org_id: UUID, allocation: Allocation
) -> list[Booking]:
    """The bookings of the allocation's member that touch its days, its own included."""
    rows = await conn.fetch(
        "SELECT start_date, end_date, hours_per_day FROM allocations"
        " WHERE org_id = $1 AND team_member_id = $2 AND end_date >= $3 AND start_date <= $4",
        org_id,
        allocation.team_member_id,
        allocation.start_date,
        allocation.end_date,
    )
    return [Booking(r["start_date"], r["end_date"], r["hours_per_day"]) for r in rows]
