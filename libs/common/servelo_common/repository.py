"""The statements every service's repository writes the same way, on a tenant table keyed
by `(org_id, id)`: get, insert, update, delete one row, and a keyset page.

Table and column names come from the calling repository's constants, never from input;
every value is a bound parameter (hence the `noqa: S608`). Every statement filters by
`org_id` on top of row-level security: the filter is what lets the planner use the
`(org_id, ...)` indexes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, TypeAlias
from uuid import UUID

import asyncpg

from servelo_common.sql import SYNC_ORDER, Where

Record: TypeAlias = asyncpg.Record
# "KEY SHARE" keeps a row from being deleted until commit; "UPDATE" also from changing.
Lock = Literal["KEY SHARE", "UPDATE"]
LOCK_SUFFIX: dict[Lock | None, str] = {
    None: "",
    "KEY SHARE": " FOR KEY SHARE",
    "UPDATE": " FOR UPDATE",
}


async def one(conn: asyncpg.Connection, sql: str, *args: Any) -> Record:
    """The row of a statement that always returns one (`INSERT ... RETURNING`, an `UPDATE
    ... RETURNING` of a row the caller has locked)."""
    row: Record | None = await conn.fetchrow(sql, *args)
    assert row is not None, sql
    return row


def affected(status: str) -> int:
    """Rows counted by an `UPDATE n` / `DELETE n` command tag."""
    return int(status.split()[-1])


async def get_row(
    conn: asyncpg.Connection,
    table: str,
    *,
    org_id: UUID,
    row_id: UUID | int,
    columns: str = "*",
    lock: Lock | None = None,
    also: str = "",
) -> Record | None:
    """One row of `table` by id, or None; `also` is a further condition from code
    (` AND deleted_at IS NULL`)."""
    return await conn.fetchrow(
        f"SELECT {columns} FROM {table}"  # noqa: S608
        f" WHERE org_id = $1 AND id = $2{also}{LOCK_SUFFIX[lock]}",
        org_id,
        row_id,
    )


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


async def delete_row(
    conn: asyncpg.Connection, table: str, *, org_id: UUID, row_id: UUID | int
) -> Record | None:
    """DELETE one row by id; the deleted row, or None when there was none."""
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
    descending: bool = False,
    limit: int,
    after: Sequence[Any] | None,
    since: datetime | None = None,
    sync_order: Sequence[str] = SYNC_ORDER,
) -> list[Record]:
    """The rows of `select` matching `where`, by the unique key `order`, from just after
    the previous page's last key (`after`, None for the first page): `Where.page`, run.
    With `since` (a list's `updated_since`) the page is in `sync_order` instead."""
    sql = where.page(
        select,
        order=order,
        descending=descending,
        limit=limit,
        after=after,
        since=since,
        sync_order=sync_order,
    )
    return list(await conn.fetch(sql, *where.params))
