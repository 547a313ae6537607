"""crm's customers as this service knows them from crm's events: the `customers` table."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg


async def customer_exists(conn: asyncpg.Connection, *, org_id: UUID, customer_id: UUID) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM customers WHERE org_id = $1 AND id = $2 AND NOT deleted)",
            org_id,
            customer_id,
        )
    )


async def upsert_customer(
    conn: asyncpg.Connection,
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
