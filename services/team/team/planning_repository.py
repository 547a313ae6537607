"""SQL on the team schema: projects, allocations, actuals and the replicated customers.

Identifiers put into SQL text (tables, columns, lock modes) come from fixed lists in this
module, never from input; every value is a bind parameter (hence the `S608` waivers).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from asyncpg import Connection, Record
from servelo_common.sql import Where

from team.domain import Booking

_PROJECT_COLUMNS = ("name", "customer_id", "active", "start_date", "end_date")
_ALLOCATION_COLUMNS = ("team_member_id", "project_id", "start_date", "end_date", "hours_per_day")
_ACTUAL_COLUMNS = ("team_member_id", "project_id", "date", "hours", "ticket_id", "notes")
_TABLES = {
    "projects": _PROJECT_COLUMNS,
    "allocations": _ALLOCATION_COLUMNS,
    "actuals": _ACTUAL_COLUMNS,
}


async def insert_row(
    conn: Connection, table: str, *, org_id: UUID, row_id: UUID, values: dict[str, Any]
) -> Record:
    """INSERT into one of the planning tables; columns come from the whitelist only."""
    cols = [c for c in _TABLES[table] if c in values]
    names = ", ".join(("id", "org_id", *cols))
    params = ", ".join(f"${i}" for i in range(1, len(cols) + 3))
    row: Record = await conn.fetchrow(
        f"INSERT INTO {table} ({names}) VALUES ({params}) RETURNING *",  # noqa: S608
        row_id,
        org_id,
        *(values[c] for c in cols),
    )
    return row


async def update_row(
    conn: Connection, table: str, *, org_id: UUID, row_id: UUID, changes: dict[str, Any]
) -> Record | None:
    cols = [c for c in _TABLES[table] if c in changes]
    sets = "".join(f", {c} = ${i}" for i, c in enumerate(cols, start=3))
    row: Record | None = await conn.fetchrow(
        f"UPDATE {table} SET updated_at = now(){sets} WHERE org_id = $1 AND id = $2"  # noqa: S608
        " RETURNING *",
        org_id,
        row_id,
        *(changes[c] for c in cols),
    )
    return row


async def get_row(
    conn: Connection, table: str, *, org_id: UUID, row_id: UUID, lock: str | None = None
) -> Record | None:
    """`lock`: "KEY SHARE" keeps the row from being deleted until commit; "UPDATE" more."""
    if table not in _TABLES:
        raise ValueError(table)
    suffix = f" FOR {lock}" if lock in ("KEY SHARE", "UPDATE") else ""
    query = f"SELECT * FROM {table} WHERE org_id = $1 AND id = $2{suffix}"  # noqa: S608
    row: Record | None = await conn.fetchrow(query, org_id, row_id)
    return row


async def delete_row(conn: Connection, table: str, *, org_id: UUID, row_id: UUID) -> Record | None:
    if table not in _TABLES:
        raise ValueError(table)
    query = f"DELETE FROM {table} WHERE org_id = $1 AND id = $2 RETURNING *"  # noqa: S608
    row: Record | None = await conn.fetchrow(query, org_id, row_id)
    return row


# Projects ----------------------------------------------------------------------------------


async def list_projects(
    conn: Connection,
    *,
    org_id: UUID,
    active: bool | None,
    customer_id: UUID | None,
    limit: int,
    after: Sequence[Any] | None,
) -> list[Record]:
    where = (
        Where()
        .add("org_id = {}", org_id)
        .when(active, "active = {}")
        .when(customer_id, "customer_id = {}")
    )
    if after:
        where.add("(name, id) > ({}, {})", *after)
    return list(
        await conn.fetch(
            f"SELECT * FROM projects{where.sql} ORDER BY name, id LIMIT {where.param(limit)}",  # noqa: S608
            *where.params,
        )
    )


async def project_in_use(conn: Connection, *, org_id: UUID, project_id: UUID) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM allocations WHERE org_id = $1 AND project_id = $2)"
            " OR EXISTS (SELECT 1 FROM actuals WHERE org_id = $1 AND project_id = $2)",
            org_id,
            project_id,
        )
    )


async def customer_exists(conn: Connection, *, org_id: UUID, customer_id: UUID) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM customers WHERE org_id = $1 AND id = $2 AND NOT deleted)",
            org_id,
            customer_id,
        )
    )


async def upsert_customer(
    conn: Connection,
    *,
    org_id: UUID,
    customer_id: UUID,
    name: str | None,
    deleted: bool,
    version: datetime,
) -> None:
    """Apply a crm event unless a newer one was applied; a deletion is final."""
    await conn.execute(
        "INSERT INTO customers (org_id, id, name, deleted, version) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (org_id, id) DO UPDATE SET name = coalesce(excluded.name, customers.name),"
        " deleted = excluded.deleted, version = excluded.version"
        " WHERE NOT customers.deleted"
        " AND (excluded.deleted OR customers.version <= excluded.version)",
        org_id,
        customer_id,
        name,
        deleted,
        version,
    )


# Allocations and actuals -------------------------------------------------------------------


async def list_planning(
    conn: Connection,
    table: str,
    *,
    org_id: UUID,
    member_id: UUID | None,
    project_id: UUID | None,
    start: date | None,
    end: date | None,
    limit: int,
    after: Sequence[Any] | None,
) -> list[Record]:
    """Allocations overlapping [start, end] by (start_date, id); actuals in it by (date, id)."""
    if table == "allocations":
        first, last = "start_date", "end_date"
    elif table == "actuals":
        first = last = "date"
    else:
        raise ValueError(table)
    where = (
        Where()
        .add("org_id = {}", org_id)
        .when(member_id, "team_member_id = {}")
        .when(project_id, "project_id = {}")
        .when(start, last + " >= {}")
        .when(end, first + " <= {}")
    )
    if after:
        where.add(f"({first}, id) > ({{}}, {{}})", *after)
    return list(
        await conn.fetch(
            f"SELECT * FROM {table}{where.sql} ORDER BY {first}, id LIMIT {where.param(limit)}",  # noqa: S608
            *where.params,
        )
    )


async def member_bookings(
    conn: Connection, *, org_id: UUID, member_id: UUID, start: date, end: date
) -> list[Booking]:
    """The member's allocations that touch [start, end]."""
    rows = await conn.fetch(
        "SELECT start_date, end_date, hours_per_day FROM allocations"
        " WHERE org_id = $1 AND team_member_id = $2 AND end_date >= $3 AND start_date <= $4",
        org_id,
        member_id,
        start,
        end,
    )
    return [Booking(r["start_date"], r["end_date"], r["hours_per_day"]) for r in rows]
