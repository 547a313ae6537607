"""asyncpg SQL on the `team` schema: one module per resource, keyword-only, a connection
first; the service owns the transaction.

SQL text is built only from constants of these modules (tables, whitelisted columns, lock
modes), never from input; every value is a bound parameter (hence the `noqa: S608`). Every
query filters by `org_id` on top of row-level security: the filter is what lets the planner
use the `(org_id, ...)` indexes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, TypeAlias
from uuid import UUID

import asyncpg
from servelo_common.sql import SYNC_ORDER, Where

from team.schemas import DatedQuery

Record: TypeAlias = asyncpg.Record
# "KEY SHARE" keeps a row from being deleted until commit; "UPDATE" also from changing.
Lock = Literal["KEY SHARE", "UPDATE"]
LOCK_SUFFIX: dict[Lock | None, str] = {
    None: "",
    "KEY SHARE": " FOR KEY SHARE",
    "UPDATE": " FOR UPDATE",
}


async def one(conn: asyncpg.Connection, sql: str, *args: Any) -> Record:
    """The row of a statement that always returns one (`INSERT ... RETURNING`)."""
    row: Record | None = await conn.fetchrow(sql, *args)
    assert row is not None, sql
    return row


async def insert_row(
    conn: asyncpg.Connection,
    table: str,
    columns: frozenset[str],
    *,
    org_id: UUID,
    row_id: UUID,
    values: Mapping[str, Any],
) -> Record:
    """INSERT one row of `table`; `values` may name only `columns`."""
    unknown = set(values) - columns
    if unknown:
        raise ValueError(f"not insertable: {sorted(unknown)}")
    names = sorted(values)
    marks = Where(row_id, org_id)
    params = ", ".join(["$1", "$2", *(marks.param(values[n]) for n in names)])
    return await one(
        conn,
        f"INSERT INTO {table} ({', '.join(['id', 'org_id', *names])})"  # noqa: S608
        f" VALUES ({params}) RETURNING *",
        *marks.params,
    )


async def update_row(
    conn: asyncpg.Connection,
    table: str,
    columns: frozenset[str],
    *,
    org_id: UUID,
    row_id: UUID,
    changes: Mapping[str, Any],
) -> Record | None:
    """UPDATE the fields in `changes` (only `columns`) and `updated_at`."""
    where = Where(org_id, row_id)
    assignments = where.assign(changes, columns)
    sets = f", {assignments}" if assignments else ""
    return await conn.fetchrow(
        f"UPDATE {table} SET updated_at = now(){sets}"  # noqa: S608
        " WHERE org_id = $1 AND id = $2 RETURNING *",
        *where.params,
    )


async def get_row(
    conn: asyncpg.Connection, table: str, *, org_id: UUID, row_id: UUID, lock: Lock | None = None
) -> Record | None:
    return await conn.fetchrow(
        f"SELECT * FROM {table} WHERE org_id = $1 AND id = $2{LOCK_SUFFIX[lock]}",  # noqa: S608
        org_id,
        row_id,
    )


async def delete_row(
    conn: asyncpg.Connection, table: str, *, org_id: UUID, row_id: UUID
) -> Record | None:
    return await conn.fetchrow(
        f"DELETE FROM {table} WHERE org_id = $1 AND id = $2 RETURNING *",  # noqa: S608
        org_id,
        row_id,
    )


async def list_page(
    conn: asyncpg.Connection,
    select: str,
    where: Where,
    *,
    order: Sequence[str],
    limit: int,
    after: Sequence[Any] | None,
    since: datetime | None = None,
    sync_order: Sequence[str] = SYNC_ORDER,
) -> list[Record]:
    """The rows of `select` matching `where`, ascending by the unique key `order`, from
    just after the previous page's last key (`after`, None for the first page); changed
    since `since`: in `(updated_at, id)` order instead (`Where.page`)."""
    sql = where.page(
        select, order=order, limit=limit, after=after, since=since, sync_order=sync_order
    )
    return list(await conn.fetch(sql, *where.params))


def dated_where(*, org_id: UUID, query: DatedQuery) -> Where:
    """The filters the lists of allocations and of actuals share; the days are theirs."""
    return (
        Where()
        .add("org_id = {}", org_id)
        .when(query.team_member_id, "team_member_id = {}")
        .when(query.project_id, "project_id = {}")
    )
