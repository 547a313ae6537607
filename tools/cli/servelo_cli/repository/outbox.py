"""A service's `outbox`: what the relay has not published yet."""

from __future__ import annotations

import asyncpg

from servelo_cli.repository import Record


async def pending(conn: asyncpg.Connection) -> Record:
    """Count and age of the unpublished rows (ages by the database's clock, as
    `created_at` is)."""
    row: Record | None = await conn.fetchrow(
        "SELECT count(*) AS pending, min(created_at) AS oldest,"
        " extract(epoch FROM now() - min(created_at))::float8 AS oldest_age,"
        " max(attempts) AS attempts"
        " FROM outbox WHERE published_at IS NULL"
    )
    assert row is not None
    return row


async def head(conn: asyncpg.Connection, *, limit: int) -> list[Record]:
    """The first unpublished rows in line: the relay publishes in `seq` order."""
    return list(
        await conn.fetch(
            "SELECT seq, id, subject, created_at, attempts, last_error FROM outbox"
            " WHERE published_at IS NULL ORDER BY seq LIMIT $1",
            limit,
        )
    )
