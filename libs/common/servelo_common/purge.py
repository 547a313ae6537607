"""The platform's own rows of a tenant, in every schema: what each service's org purge adds
to deleting its own tables when auth publishes `org-deleted`."""

from __future__ import annotations

from uuid import UUID

import asyncpg

# Tables from servelo_common/migrations that carry an org_id column.
PLATFORM_TABLES = ("idempotency_keys", "mail_outbox", "inbox", "dead_letters")


async def purge_platform_rows(
    conn: asyncpg.Connection, *, org_id: UUID, include_outbox: bool = True
) -> dict[str, int]:
    """Delete the org's idempotency keys, queued mail, inbox and dead letters, and (unless
    the caller is about to publish `org-deleted` itself) its events, published or not, since
    they carry its data too. Returns the rows deleted per table."""
    counts: dict[str, int] = {}
    for table in PLATFORM_TABLES:
        status = await conn.execute(f"DELETE FROM {table} WHERE org_id = $1", org_id)  # noqa: S608
        counts[table] = int(status.split()[-1])
    if include_outbox:
        # The outbox has no org_id column: the tenant is inside the CloudEvent.
        status = await conn.execute("DELETE FROM outbox WHERE event->>'tenant' = $1", str(org_id))
        counts["outbox"] = int(status.split()[-1])
    return counts
