"""Copies of another service's records kept from its events, e.g. crm's customers in tickets,
finance and team: one table shape and one rule for applying an event to it.

The table (each service's own migration creates it)::

    CREATE TABLE customers (
      org_id      uuid NOT NULL,
      id          uuid NOT NULL,
      name        text NOT NULL DEFAULT '',
      deleted     boolean NOT NULL DEFAULT false,
      event_time  timestamptz NOT NULL,  -- `occurred_at` of the last event applied
      PRIMARY KEY (org_id, id)
    );

Events may arrive late and out of order, so: an older event loses to a newer one, a
deletion wins whenever it arrives, and nothing revives a deleted record (it stays as a
tombstone, so a late `*-updated` cannot bring it back).
"""

from __future__ import annotations

import re
from datetime import datetime
from uuid import UUID

import asyncpg

from servelo_common.events import CloudEvent

_TABLE = re.compile(r"^[a-z_][a-z0-9_]*$")


async def upsert_replica(
    conn: asyncpg.Connection,
    *,
    table: str,
    org_id: UUID,
    record_id: UUID,
    name: str | None,
    deleted: bool,
    event_time: datetime,
) -> bool:
    """Apply one event to the copy; True when it changed the copy (a first sighting, a newer
    update, or the deletion of a live record). `name` None keeps the stored name (deletion
    events carry only the id). `table` comes from code, never from an event."""
    if not _TABLE.match(table):
        raise ValueError(f"not a table name: {table!r}")
    applied = await conn.fetchval(
        f"INSERT INTO {table} AS r (org_id, id, name, deleted, event_time)"  # noqa: S608
        " VALUES ($1, $2, coalesce($3, ''), $4, $5)"
        " ON CONFLICT (org_id, id) DO UPDATE SET name = coalesce($3, r.name),"
        " deleted = EXCLUDED.deleted, event_time = greatest(r.event_time, EXCLUDED.event_time)"
        " WHERE NOT r.deleted AND (EXCLUDED.deleted OR r.event_time <= EXCLUDED.event_time)"
        " RETURNING true",
        org_id,
        record_id,
        name,
        deleted,
        event_time,
    )
    return bool(applied)


async def replica_exists(
    conn: asyncpg.Connection, *, table: str, org_id: UUID, record_id: UUID
) -> bool:
    """The record is known and not deleted (a reference to it may be stored)."""
    if not _TABLE.match(table):
        raise ValueError(f"not a table name: {table!r}")
    found = await conn.fetchval(
        f"SELECT true FROM {table} WHERE org_id = $1 AND id = $2 AND NOT deleted",  # noqa: S608
        org_id,
        record_id,
    )
    return bool(found)


CUSTOMER_EVENTS = ("customer-created", "customer-updated", "customer-deleted")


async def apply_customer_event(conn: asyncpg.Connection, event: CloudEvent) -> bool:
    """One of crm's `customer-*` events applied to this schema's `customers` copy, by the
    rule above; True when it changed the copy (a deletion: the customer was live)."""
    deleted = event.type == "customer-deleted"
    return await upsert_replica(
        conn,
        table="customers",
        org_id=event.tenant_id,
        record_id=UUID(str(event.data["id"])),
        name=None if deleted else str(event.data.get("name") or ""),
        deleted=deleted,
        event_time=event.occurred_at,
    )


async def customer_exists(conn: asyncpg.Connection, *, org_id: UUID, customer_id: UUID) -> bool:
    """A customer of the org that crm has not deleted (per this schema's copy)."""
    return await replica_exists(conn, table="customers", org_id=org_id, record_id=customer_id)
