"""Quotes: the `quotes` table and the per-org number counter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from servelo_common.repository import Lock, get_row, list_page, one
from servelo_common.sql import Where

from crm.repository import Record

QUOTE_COLUMNS = (
    "id, org_id, number, customer_id, status, line_items, tax_rate, subtotal,"
    " tax, total, valid_until, notes, sent_at, accepted_at, declined_at,"
    " created_by, version, created_at, updated_at"
)
QUOTE_FIELDS = frozenset(
    {
        "customer_id",
        "status",
        "line_items",
        "tax_rate",
        "subtotal",
        "tax",
        "total",
        "valid_until",
        "notes",
        "sent_at",
        "accepted_at",
        "declined_at",
    }
)


async def next_quote_number(conn: asyncpg.Connection, *, org_id: UUID) -> int:
    """Take the org's next number. The counter row stays locked until the transaction
    ends, so concurrent creates queue here and a rollback leaves no gap."""
    number: int = await conn.fetchval(
        "INSERT INTO quote_counters (org_id, last_number) VALUES ($1, 1)"
        " ON CONFLICT (org_id) DO UPDATE SET last_number = quote_counters.last_number + 1"
        " RETURNING last_number",
        org_id,
    )
    return number


async def insert_quote(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    number: int,
    created_by: UUID | None,
    values: Mapping[str, Any],
) -> Record:
    return await one(
        conn,
        "INSERT INTO quotes (org_id, number, created_by, customer_id, line_items, tax_rate,"  # noqa: S608
        " subtotal, tax, total, valid_until, notes)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        f" RETURNING {QUOTE_COLUMNS}",
        org_id,
        number,
        created_by,
        values["customer_id"],
        values["line_items"],
        values["tax_rate"],
        values["subtotal"],
        values["tax"],
        values["total"],
        values.get("valid_until"),
        values.get("notes"),
    )


async def get_quote(
    conn: asyncpg.Connection, *, org_id: UUID, quote_id: UUID, for_update: bool = False
) -> Record | None:
    lock: Lock | None = "UPDATE" if for_update else None
    return await get_row(
        conn, "quotes", org_id=org_id, row_id=quote_id, columns=QUOTE_COLUMNS, lock=lock
    )


async def update_quote(
    conn: asyncpg.Connection, *, org_id: UUID, quote_id: UUID, values: Mapping[str, Any]
) -> Record:
    where = Where().add("org_id = {}", org_id).add("id = {}", quote_id)
    sets = where.assign(values, QUOTE_FIELDS)
    sets = f"{sets}, " if sets else ""
    return await one(
        conn,
        f"UPDATE quotes SET {sets}version = version + 1, updated_at = clock_timestamp()"  # noqa: S608
        f"{where.sql} RETURNING {QUOTE_COLUMNS}",
        *where.params,
    )


async def delete_quote(conn: asyncpg.Connection, *, org_id: UUID, quote_id: UUID) -> None:
    await conn.execute("DELETE FROM quotes WHERE org_id = $1 AND id = $2", org_id, quote_id)


async def list_quotes(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    limit: int,
    cursor: Sequence[Any] | None,
    status: str | None,
    customer_id: UUID | None,
    since: datetime | None,
) -> list[Record]:
    """Newest first (or changed since `since`, in `(updated_at, id)` order), optionally
    for one client and/or one status."""
    where = (
        Where()
        .add("org_id = {}", org_id)
        .when(customer_id, "customer_id = {}")
        .when(status, "status = {}")
    )
    return await list_page(
        conn,
        f"SELECT {QUOTE_COLUMNS} FROM quotes",  # noqa: S608
        where,
        order=("created_at", "id"),
        descending=True,
        limit=limit,
        after=cursor,
        since=since,
    )
