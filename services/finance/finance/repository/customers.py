"""finance's copy of crm's customers, kept from crm's events (`servelo_common.replicas`):
a revenue entry's `customer_id` is checked against it without calling crm."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
from servelo_common.replicas import replica_exists, upsert_replica


async def customer_exists(conn: asyncpg.Connection, *, org_id: UUID, customer_id: UUID) -> bool:
    return await replica_exists(conn, table="customers", org_id=org_id, record_id=customer_id)


async def upsert_customer(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    customer_id: UUID,
    name: str | None,
    deleted: bool,
    event_time: datetime,
) -> bool:
    """An older event loses to a newer one, and nothing revives a deleted customer."""
    return await upsert_replica(
        conn,
        table="customers",
        org_id=org_id,
        record_id=customer_id,
        name=name,
        deleted=deleted,
        event_time=event_time,
    )
