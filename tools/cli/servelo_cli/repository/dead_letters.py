"""A service's `dead_letters`, with what its `inbox` and `org_tombstones` say about them."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from servelo_cli.repository import Record

_COLUMNS = (
    "d.id, d.consumer, d.event_id, d.org_id, d.subject, d.payload, d.error, d.deliveries,"
    " d.created_at, EXISTS (SELECT 1 FROM inbox i WHERE i.consumer = d.consumer"
    " AND i.event_id = d.event_id) AS handled"
)


async def list_dead_letters(
    conn: asyncpg.Connection, *, consumer: str | None, limit: int
) -> list[Record]:
    """Oldest first; `handled`: the consumer's inbox has the event (a replay went through)."""
    if consumer is None:
        sql = f"SELECT {_COLUMNS} FROM dead_letters d ORDER BY d.id LIMIT $1"  # noqa: S608
        return list(await conn.fetch(sql, limit))
    sql = (
        f"SELECT {_COLUMNS} FROM dead_letters d WHERE d.consumer = $2"  # noqa: S608
        " ORDER BY d.id LIMIT $1"
    )
    return list(await conn.fetch(sql, limit, consumer))


async def get_dead_letter(conn: asyncpg.Connection, *, row_id: int) -> Record | None:
    sql = f"SELECT {_COLUMNS} FROM dead_letters d WHERE d.id = $1"  # noqa: S608
    row: Record | None = await conn.fetchrow(sql, row_id)
    return row


async def delete_dead_letter(conn: asyncpg.Connection, *, row_id: int) -> bool:
    deleted = await conn.fetchval("DELETE FROM dead_letters WHERE id = $1 RETURNING id", row_id)
    return deleted is not None


async def handled(conn: asyncpg.Connection, *, consumer: str, event_id: UUID) -> bool:
    found = await conn.fetchval(
        "SELECT 1 FROM inbox WHERE consumer = $1 AND event_id = $2", consumer, event_id
    )
    return found is not None


async def newer_dead_letter(
    conn: asyncpg.Connection, *, consumer: str, event_id: UUID, after: int
) -> Record | None:
    """A later dead letter of the same event on the same consumer: it failed again."""
    row: Record | None = await conn.fetchrow(
        "SELECT id, error FROM dead_letters WHERE consumer = $1 AND event_id = $2 AND id > $3"
        " ORDER BY id DESC LIMIT 1",
        consumer,
        event_id,
        after,
    )
    return row


async def org_deleted(conn: asyncpg.Connection, *, org_id: UUID) -> bool:
    found = await conn.fetchval("SELECT 1 FROM org_tombstones WHERE id = $1", org_id)
    return found is not None
