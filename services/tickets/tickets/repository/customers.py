"""tickets' copy of crm's customers, kept from crm's events (`servelo_common.replicas`):
a ticket's `customer_id` is checked against it without calling crm."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from asyncpg import Connection
from servelo_common.replicas import replica_exists, upsert_replica


async def upsert_customer(
    conn: Connection,
    *,
    org_id: UUID,
    customer_id: UUID,
    name: str | None,
    deleted: bool,
    event_time: datetime,
) -> bool:
    """Apply a customer event unless a newer one was applied (a deletion always applies, once);
    True when it changed the copy."""
    return await upsert_replica(
        conn,
        table="customers",
        org_id=org_id,
        record_id=customer_id,
        name=name,
        deleted=deleted,
        event_time=event_time,
    )


async def known_customer(conn: Connection, *, org_id: UUID, customer_id: UUID) -> bool:
    return await replica_exists(conn, table="customers", org_id=org_id, record_id=customer_id)
