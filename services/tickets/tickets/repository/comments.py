"""A ticket's comments: the `comments` table."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from asyncpg import Connection, Record
from servelo_common.repository import one
from servelo_common.sql import Where

COMMENT_COLUMNS = "id, ticket_id, author_id, body, created_at, updated_at"


async def insert_comment(
    conn: Connection, *, org_id: UUID, comment_id: UUID, ticket_id: UUID, author_id: UUID, body: str
) -> Record:
    return await one(
        conn,
        "INSERT INTO comments (id, org_id, ticket_id, author_id, body)"  # noqa: S608
        f" VALUES ($1, $2, $3, $4, $5) RETURNING {COMMENT_COLUMNS}",
        comment_id,
        org_id,
        ticket_id,
        author_id,
        body,
    )


async def list_comments(
    conn: Connection,
    *,
    org_id: UUID,
    ticket_id: UUID,
    after: list[Any] | None,
    limit: int,
    since: datetime | None = None,
) -> list[Record]:
    """Oldest first; `after` is the (created_at, id) of the previous page's last comment
    (with `since`: changed since, by (updated_at, id))."""
    where = Where().add("org_id = {}", org_id).add("ticket_id = {}", ticket_id)
    sql = where.page(
        f"SELECT {COMMENT_COLUMNS} FROM comments",  # noqa: S608
        order=("created_at", "id"),
        limit=limit,
        after=after or None,
        since=since,
    )
    return list(await conn.fetch(sql, *where.params))
