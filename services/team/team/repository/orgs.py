"""What this service does when auth deletes an org: purge its rows, leave its tombstone."""

from __future__ import annotations

from uuid import UUID

import asyncpg
from servelo_common import purge

# Children before parents (foreign keys); the platform's tables are purged by libs/common.
TENANT_TABLES = (
    "actuals",
    "allocations",
    "rate_history",
    "team_members",
    "roles",
    "role_counters",
    "projects",
    "customers",
)


async def purge_org(conn: asyncpg.Connection, *, org_id: UUID) -> None:
    """Delete every row of the org, its events (published or not: they hold its data too,
    names and rates) included; the shared consumer skips late events about it from then on
    (the tombstone of `servelo_common.purge.purge_org`)."""
    await purge.purge_org(conn, org_id=org_id, tables=TENANT_TABLES)
