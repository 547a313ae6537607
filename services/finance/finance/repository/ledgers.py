"""The ledgers: revenue and expense entries (one set of queries for both tables), and the
summary's sums over both."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

import asyncpg
from servelo_common.repository import Lock, delete_row, get_row, insert_row, update_row
from servelo_common.sql import Where

Table = Literal["revenue", "expenses"]
# Identifiers that may appear in generated SQL; everything else travels as a parameter.
COLUMNS: dict[str, frozenset[str]] = {
    "revenue": frozenset(
        {
            "date",
            "amount",
            "category",
            "description",
            "customer_id",
            "quote_id",
            "status",
            "created_by",
        }
    ),
    "expenses": frozenset({"date", "amount", "category", "description", "vendor", "created_by"}),
}
FILTERS: dict[str, frozenset[str]] = {
    "revenue": frozenset({"category", "customer_id", "status"}),
    "expenses": frozenset({"category", "vendor"}),
}


async def insert_entry(
    conn: asyncpg.Connection,
    *,
    table: Table,
    org_id: UUID,
    entry_id: UUID,
    values: Mapping[str, Any],
) -> asyncpg.Record:
    return await insert_row(
        conn, table, COLUMNS[table], org_id=org_id, row_id=entry_id, values=values
    )


async def get_entry(
    conn: asyncpg.Connection,
    *,
    table: Table,
    org_id: UUID,
    entry_id: UUID,
    for_update: bool = False,
) -> asyncpg.Record | None:
    lock: Lock | None = "UPDATE" if for_update else None
    return await get_row(conn, table, org_id=org_id, row_id=entry_id, lock=lock)


async def update_entry(
    conn: asyncpg.Connection,
    *,
    table: Table,
    org_id: UUID,
    entry_id: UUID,
    changes: Mapping[str, Any],
) -> asyncpg.Record | None:
    return await update_row(
        conn, table, COLUMNS[table], org_id=org_id, row_id=entry_id, changes=changes
    )


async def delete_entry(
    conn: asyncpg.Connection, *, table: Table, org_id: UUID, entry_id: UUID
) -> bool:
    return await delete_row(conn, table, org_id=org_id, row_id=entry_id) is not None


async def list_entries(
    conn: asyncpg.Connection,
    *,
    table: Table,
    org_id: UUID,
    start: date | None,
    end: date | None,
    equals: Mapping[str, Any],
    cursor: Sequence[Any] | None,
    limit: int,
    since: datetime | None = None,
) -> list[asyncpg.Record]:
    """Newest date first, then id: a keyset on (date, id) served by the (org_id, date, id)
    index, so page N costs what page 1 does; changed since `since`: in `(updated_at, id)`
    order (the (org_id, updated_at, id) index)."""
    unknown = set(equals) - FILTERS[table]
    if unknown:
        raise ValueError(f"not a {table} filter: {sorted(unknown)}")
    where = Where().add("org_id = {}", org_id).when(start, "date >= {}").when(end, "date <= {}")
    for name, value in equals.items():
        where.when(value, f"{name} = {{}}")
    sql = where.page(
        f"SELECT * FROM {table}",  # noqa: S608
        order=("date", "id"),
        descending=True,
        limit=limit + 1,
        after=cursor,
        since=since,
    )
    rows: list[asyncpg.Record] = await conn.fetch(sql, *where.params)
    return rows


def _columns(table: Table, names: Sequence[str]) -> list[str]:
    allowed = COLUMNS[table]
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise ValueError(f"not a writable {table} column: {unknown}")
    return list(names)


async def insert_quote_revenue(
    conn: asyncpg.Connection, *, org_id: UUID, entry_id: UUID, values: Mapping[str, Any]
) -> asyncpg.Record | None:
    """Book an accepted quote once: a second insert for the same quote changes nothing."""
    names = _columns("revenue", list(values))
    cols = ", ".join(["id", "org_id", *names])
    params = ", ".join(f"${i}" for i in range(1, len(names) + 3))
    sql = (
        f"INSERT INTO revenue ({cols}) VALUES ({params})"  # noqa: S608
        " ON CONFLICT (org_id, quote_id) WHERE quote_id IS NOT NULL DO NOTHING RETURNING *"
    )
    row: asyncpg.Record | None = await conn.fetchrow(sql, entry_id, org_id, *values.values())
    return row


_PERIOD_KEYS = {"month": "date_trunc('month', date)::date", "category": "category"}


async def summary_rows(
    conn: asyncpg.Connection, *, org_id: UUID, group_by: str, start: date | None, end: date | None
) -> list[asyncpg.Record]:
    """Sums per period (or category) over both tables, done by Postgres in numeric (not
    numeric(14,2): a sum may pass the largest single amount)."""
    key = _PERIOD_KEYS[group_by]
    where = Where().add("org_id = {}", org_id).when(start, "date >= {}").when(end, "date <= {}")
    sql = f"""
        WITH r AS (
          SELECT {key} AS k,
                 sum(amount) FILTER (WHERE status = 'received') AS received,
                 sum(amount) FILTER (WHERE status = 'pending') AS pending
          FROM revenue{where.sql}
          GROUP BY 1
        ), e AS (
          SELECT {key} AS k, sum(amount) AS spent
          FROM expenses{where.sql}
          GROUP BY 1
        )
        SELECT coalesce(r.k, e.k) AS k,
               round(coalesce(r.received, 0), 2) AS revenue,
               round(coalesce(r.pending, 0), 2) AS pending_revenue,
               round(coalesce(e.spent, 0), 2) AS expenses
        FROM r FULL JOIN e ON r.k = e.k
        ORDER BY 1
    """  # noqa: S608
    rows: list[asyncpg.Record] = await conn.fetch(sql, *where.params)
    return rows
