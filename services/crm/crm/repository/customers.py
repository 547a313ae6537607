"""Clients: the `customers` table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from servelo_common.repository import Lock, get_row, list_page, one
from servelo_common.sql import Where

from crm.repository import Record

CUSTOMER_COLUMNS = "id, org_id, name, email, phone, address, notes, version, created_at, updated_at"
CUSTOMER_FIELDS = frozenset({"name", "email", "phone", "address", "notes"})


def like_pattern(term: str) -> str:
    """`%term%` with LIKE's own wildcards in the term taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_customers(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    limit: int,
    cursor: Sequence[Any] | None,
    term: str | None,
    since: datetime | None,
) -> list[Record]:
    """Newest first, or changed since `since` in `(updated_at, id)` order. `term` is looked
    for as a substring of name/email/phone; terms of 3+
    characters first narrow the candidates to those the trigram GIN index finds."""
    where = Where().add("org_id = {}", org_id)
    if term:
        where.add("search_text LIKE {}", like_pattern(term))
        if len(term) >= 3:
            # The side table's GIN index narrows the candidates (see migrations/0001).
            where.add(
                "id IN (SELECT customer_id FROM customer_search"
                " WHERE org_id = $1 AND grams @> search_grams({}))",
                term,
            )
    return await list_page(
        conn,
        f"SELECT {CUSTOMER_COLUMNS} FROM customers",  # noqa: S608
        where,
        order=("created_at", "id"),
        descending=True,
        limit=limit,
        after=cursor,
        since=since,
    )


async def get_customer(
    conn: asyncpg.Connection, *, org_id: UUID, customer_id: UUID, for_update: bool = False
) -> Record | None:
    lock: Lock | None = "UPDATE" if for_update else None
    return await get_row(
        conn, "customers", org_id=org_id, row_id=customer_id, columns=CUSTOMER_COLUMNS, lock=lock
    )


async def insert_customer(
    conn: asyncpg.Connection, *, org_id: UUID, values: Mapping[str, Any]
) -> Record:
    return await one(
        conn,
        "INSERT INTO customers (org_id, name, email, phone, address, notes)"  # noqa: S608
        f" VALUES ($1, $2, $3, $4, $5, $6) RETURNING {CUSTOMER_COLUMNS}",
        org_id,
        values["name"],
        values.get("email"),
        values.get("phone"),
        values.get("address"),
        values.get("notes"),
    )


async def update_customer(
    conn: asyncpg.Connection, *, org_id: UUID, customer_id: UUID, values: Mapping[str, Any]
) -> Record:
    where = Where().add("org_id = {}", org_id).add("id = {}", customer_id)
    sets = where.assign(values, CUSTOMER_FIELDS)
    sets = f"{sets}, " if sets else ""
    return await one(
        conn,
        f"UPDATE customers SET {sets}version = version + 1, updated_at = clock_timestamp()"  # noqa: S608
        f"{where.sql} RETURNING {CUSTOMER_COLUMNS}",
        *where.params,
    )


async def delete_customer(conn: asyncpg.Connection, *, org_id: UUID, customer_id: UUID) -> None:
    await conn.execute("DELETE FROM customers WHERE org_id = $1 AND id = $2", org_id, customer_id)


async def count_quotes_of_customer(
    conn: asyncpg.Connection, *, org_id: UUID, customer_id: UUID
) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM quotes WHERE org_id = $1 AND customer_id = $2", org_id, customer_id
    )
    return count
