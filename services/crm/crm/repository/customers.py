"""Clients: the `customers` table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from crm.repository import Record, assignments, keyset

CUSTOMER_COLUMNS = "id, org_id, name, email, phone, address, notes, version, created_at, updated_at"
CUSTOMER_FIELDS = frozenset({"name", "email", "phone", "address", "notes"})


async def list_customers(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    limit: int,
    cursor: Sequence[Any] | None,
    pattern: str | None,
    grams_of: str | None,
    updated_since: datetime | None,
) -> list[Record]:
    """Newest first. `pattern` is a LIKE pattern on name/email/phone; `grams_of` the term
    whose trigrams the GIN index narrows the candidates to (terms of 3+ characters)."""
    args: list[Any] = [org_id]
    conditions = ["org_id = $1"]
    if pattern is not None:
        args.append(pattern)
        conditions.append(f"search_text LIKE ${len(args)}")
    if grams_of is not None:
        # The side table's GIN index narrows the candidates (see migrations/0001).
        args.append(grams_of)
        conditions.append(
            "id IN (SELECT customer_id FROM customer_search"  # noqa: S608
            f" WHERE org_id = $1 AND grams @> search_grams(${len(args)}))"
        )
    if updated_since is not None:
        args.append(updated_since)
        conditions.append(f"updated_at >= ${len(args)}")
    keyset(conditions, args, cursor)
    args.append(limit)
    return list(
        await conn.fetch(
            f"SELECT {CUSTOMER_COLUMNS} FROM customers WHERE {' AND '.join(conditions)}"  # noqa: S608
            f" ORDER BY created_at DESC, id DESC LIMIT ${len(args)}",
            *args,
        )
    )


async def get_customer(
    conn: asyncpg.Connection, *, org_id: UUID, customer_id: UUID, for_update: bool = False
) -> Record | None:
    lock = " FOR UPDATE" if for_update else ""
    row: Record | None = await conn.fetchrow(
        f"SELECT {CUSTOMER_COLUMNS} FROM customers WHERE org_id = $1 AND id = $2{lock}",  # noqa: S608
        org_id,
        customer_id,
    )
    return row


async def insert_customer(
    conn: asyncpg.Connection, *, org_id: UUID, values: Mapping[str, Any]
) -> Record:
    row: Record = await conn.fetchrow(
        "INSERT INTO customers (org_id, name, email, phone, address, notes)"  # noqa: S608
        f" VALUES ($1, $2, $3, $4, $5, $6) RETURNING {CUSTOMER_COLUMNS}",
        org_id,
        values["name"],
        values.get("email"),
        values.get("phone"),
        values.get("address"),
        values.get("notes"),
    )
    return row


async def update_customer(
    conn: asyncpg.Connection, *, org_id: UUID, customer_id: UUID, values: Mapping[str, Any]
) -> Record:
    sets, args = assignments(values, CUSTOMER_FIELDS, 3)
    sets = f"{sets}, " if sets else ""
    row: Record = await conn.fetchrow(
        f"UPDATE customers SET {sets}version = version + 1, updated_at = clock_timestamp()"  # noqa: S608
        f" WHERE org_id = $1 AND id = $2 RETURNING {CUSTOMER_COLUMNS}",
        org_id,
        customer_id,
        *args,
    )
    return row


async def delete_customer(conn: asyncpg.Connection, *, org_id: UUID, customer_id: UUID) -> None:
    await conn.execute("DELETE FROM customers WHERE org_id = $1 AND id = $2", org_id, customer_id)


async def count_quotes_of_customer(
    conn: asyncpg.Connection, *, org_id: UUID, customer_id: UUID
) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM quotes WHERE org_id = $1 AND customer_id = $2", org_id, customer_id
    )
    return count
