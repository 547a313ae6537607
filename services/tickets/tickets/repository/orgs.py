"""The purge of a deleted org: every row of it in this schema."""

from __future__ import annotations

from uuid import UUID

from asyncpg import Connection
from servelo_common import purge


async def purge_org(conn: Connection, *, org_id: UUID) -> None:
    """Every row of the org in this schema, outbox and inbox included."""
    # ticket_search rows go with their tickets (ON DELETE CASCADE).
    tables = ("photos", "comments", "tickets", "ticket_counters", "users", "customers")
    await purge.purge_org(conn, org_id=org_id, tables=tables)
