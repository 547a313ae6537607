"""The purge of a deleted org: every row of it in this schema."""

from __future__ import annotations

from uuid import UUID

from asyncpg import Connection
from servelo_common.purge import purge_platform_rows


async def purge_org(conn: Connection, *, org_id: UUID) -> None:
    """Every row of the org in this schema, outbox and inbox included."""
    # ticket_search rows go with their tickets (ON DELETE CASCADE).
    for table in ("photos", "comments", "tickets", "ticket_counters", "users", "customers"):
        await conn.execute(f"DELETE FROM {table} WHERE org_id = $1", org_id)  # noqa: S608
    await purge_platform_rows(conn, org_id=org_id)
