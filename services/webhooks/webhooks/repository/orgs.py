"""What this service does when auth deletes an org: purge its rows, remember it is gone.

Written as one thin call so that it becomes `servelo_common.purge.purge_org(conn,
org_id=..., tables=TENANT_TABLES)` when the shared purge with tombstones lands.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg
from servelo_common.purge import purge_platform_rows

# Children before parents (secrets and deliveries reference endpoints).
TENANT_TABLES = ("deliveries", "endpoint_secrets", "endpoints", "events", "feed_counters")


async def is_purged(conn: asyncpg.Connection, *, org_id: UUID) -> bool:
    return bool(
        await conn.fetchval("SELECT EXISTS (SELECT 1 FROM purged_orgs WHERE id = $1)", org_id)
    )


async def purge_org(conn: asyncpg.Connection, *, org_id: UUID) -> None:
    """Delete every row of the org (its feed, endpoints, secrets, deliveries, and the
    platform's rows, its outbox events included) and record it, so late events about it
    are ignored."""
    for table in TENANT_TABLES:
        await conn.execute(f"DELETE FROM {table} WHERE org_id = $1", org_id)  # noqa: S608
    await conn.execute("INSERT INTO purged_orgs (id) VALUES ($1) ON CONFLICT DO NOTHING", org_id)
    await purge_platform_rows(conn, org_id=org_id)
