"""Per-org state finance keeps from auth's events (the currency), and the purge of a
deleted org."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
from servelo_common.purge import purge_platform_rows

from finance.domain import DEFAULT_CURRENCY


async def set_currency(
    conn: asyncpg.Connection, *, org_id: UUID, currency: str, event_time: datetime
) -> None:
    await conn.execute(
        "INSERT INTO org_settings (org_id, currency, event_time) VALUES ($1, $2, $3)"
        " ON CONFLICT (org_id) DO UPDATE SET currency = EXCLUDED.currency,"
        " event_time = EXCLUDED.event_time WHERE org_settings.event_time <= EXCLUDED.event_time",
        org_id,
        currency,
        event_time,
    )


async def get_currency(conn: asyncpg.Connection, *, org_id: UUID) -> str:
    value = await conn.fetchval("SELECT currency FROM org_settings WHERE org_id = $1", org_id)
    return str(value) if value else DEFAULT_CURRENCY


_ORG_TABLES = ("revenue", "expenses", "customers", "org_settings")


async def purge_org(conn: asyncpg.Connection, *, org_id: UUID) -> dict[str, int]:
    """Delete every row of the org in this schema; returns the counts per table."""
    counts: dict[str, int] = {}
    for table in _ORG_TABLES:
        status = await conn.execute(f"DELETE FROM {table} WHERE org_id = $1", org_id)  # noqa: S608
        counts[table] = int(status.split()[-1])
    counts.update(await purge_platform_rows(conn, org_id=org_id))
    return counts
