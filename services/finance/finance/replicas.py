"""SQL for the copies finance keeps of other services' data (crm customers, org settings),
and the purge of a deleted org."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
from servelo_common import purge

from finance.domain import DEFAULT_CURRENCY


async def customer_exists(conn: asyncpg.Connection, *, org_id: UUID, customer_id: UUID) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT true FROM customers WHERE org_id = $1 AND id = $2 AND NOT deleted",
            org_id,
            customer_id,
        )
    )


async def upsert_customer(
    conn: asyncpg.Connection, *, org_id: UUID, customer_id: UUID, name: str, version_at: datetime
) -> None:
    # An older event loses to a newer one, and nothing revives a deleted customer.
    await conn.execute(
        "INSERT INTO customers (org_id, id, name, version_at) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (org_id, id) DO UPDATE SET name = EXCLUDED.name,"
        " version_at = EXCLUDED.version_at"
        " WHERE NOT customers.deleted AND customers.version_at <= EXCLUDED.version_at",
        org_id,
        customer_id,
        name,
        version_at,
    )


async def mark_customer_deleted(
    conn: asyncpg.Connection, *, org_id: UUID, customer_id: UUID, version_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO customers (org_id, id, deleted, version_at) VALUES ($1, $2, true, $3)"
        " ON CONFLICT (org_id, id) DO UPDATE SET deleted = true,"
        " version_at = greatest(customers.version_at, EXCLUDED.version_at)",
        org_id,
        customer_id,
        version_at,
    )


async def set_currency(
    conn: asyncpg.Connection, *, org_id: UUID, currency: str, version_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO org_settings (org_id, currency, version_at) VALUES ($1, $2, $3)"
        " ON CONFLICT (org_id) DO UPDATE SET currency = EXCLUDED.currency,"
        " version_at = EXCLUDED.version_at WHERE org_settings.version_at <= EXCLUDED.version_at",
        org_id,
        currency,
        version_at,
    )


async def get_currency(conn: asyncpg.Connection, *, org_id: UUID) -> str:
    value = await conn.fetchval("SELECT currency FROM org_settings WHERE org_id = $1", org_id)
    return str(value) if value else DEFAULT_CURRENCY


_ORG_TABLES = ("revenue", "expenses", "customers", "org_settings")


async def purge_org(conn: asyncpg.Connection, *, org_id: UUID) -> dict[str, int]:
    """Delete every row of the org in this schema; returns the counts per table."""
    return await purge.purge_org(conn, org_id=org_id, tables=_ORG_TABLES)
