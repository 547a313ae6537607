"""What this service does when auth deletes an org: the shared purge (every row of the org
and its tombstone, so the consumer ignores late events about it: servelo_common.purge)."""

from __future__ import annotations

from uuid import UUID

import asyncpg
from servelo_common import purge

# Children before parents (secrets and deliveries reference endpoints).
TENANT_TABLES = ("deliveries", "endpoint_secrets", "endpoints", "events", "feed_counters")


async def purge_org(conn: asyncpg.Connection, *, org_id: UUID) -> None:
    """Delete the org's feed, endpoints, secrets, deliveries and platform rows (its outbox
    events included), and leave its tombstone."""
    await purge.purge_org(conn, org_id=org_id, tables=TENANT_TABLES)
