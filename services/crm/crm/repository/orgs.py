"""Per-org state this service keeps from auth's events: settings, and the purge."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from servelo_common import purge

from crm.repository import Record

SETTING_COLUMNS = ("default_tax_rate", "currency", "company_name")
# Children before parents (quotes reference customers).
TENANT_TABLES = ("quotes", "customer_search", "customers", "quote_counters", "org_settings")


async def get_org_settings(conn: asyncpg.Connection, *, org_id: UUID) -> Record | None:
    row: Record | None = await conn.fetchrow(
        "SELECT default_tax_rate, currency, company_name FROM org_settings WHERE org_id = $1",
        org_id,
    )
    return row


async def upsert_org_settings(
    conn: asyncpg.Connection, *, org_id: UUID, values: Mapping[str, Any], event_time: datetime
) -> bool:
    """Store the settings the event carries; an older event than the stored one changes
    nothing (events may arrive out of order). Keys absent from `values` are kept."""
    present = [c for c in SETTING_COLUMNS if c in values]
    params = [values[c] for c in present]
    columns = ", ".join(["org_id", "event_time", *present])
    placeholders = ", ".join(f"${i}" for i in range(1, len(present) + 3))
    updates = ", ".join(
        ["event_time = EXCLUDED.event_time", *(f"{c} = EXCLUDED.{c}" for c in present)]
    )
    done = await conn.fetchval(
        f"INSERT INTO org_settings ({columns}) VALUES ({placeholders})"  # noqa: S608
        f" ON CONFLICT (org_id) DO UPDATE SET {updates}"
        " WHERE org_settings.event_time <= EXCLUDED.event_time RETURNING true",
        org_id,
        event_time,
        *params,
    )
    return bool(done)


async def purge_org(conn: asyncpg.Connection, *, org_id: UUID) -> dict[str, int]:
    """Delete every row of the org in this schema, events not yet published included, and
    leave its tombstone."""
    return await purge.purge_org(conn, org_id=org_id, tables=TENANT_TABLES)
