"""A ticket's photos: the `photos` table (the files are in the storage, by `storage_key`)."""

from __future__ import annotations

from uuid import UUID

from asyncpg import Connection, Record
from servelo_common.repository import one

_PHOTO_COLS = "id, ticket_id, storage_key, content_type, size, filename, uploaded_by, created_at"


async def insert_photo(
    conn: Connection,
    *,
    org_id: UUID,
    photo_id: UUID,
    ticket_id: UUID,
    storage_key: str,
    content_type: str,
    size: int,
    filename: str | None,
    uploaded_by: UUID,
) -> Record:
    return await one(
        conn,
        "INSERT INTO photos (id, org_id, ticket_id, storage_key, content_type, size, filename,"  # noqa: S608
        f" uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {_PHOTO_COLS}",
        photo_id,
        org_id,
        ticket_id,
        storage_key,
        content_type,
        size,
        filename,
        uploaded_by,
    )


async def list_photos(conn: Connection, *, org_id: UUID, ticket_id: UUID) -> list[Record]:
    return list(
        await conn.fetch(
            f"SELECT {_PHOTO_COLS} FROM photos WHERE org_id = $1 AND ticket_id = $2"  # noqa: S608
            " ORDER BY created_at, id",
            org_id,
            ticket_id,
        )
    )


async def get_photo(
    conn: Connection, *, org_id: UUID, ticket_id: UUID, photo_id: UUID
) -> Record | None:
    """The photo of a live ticket (a trashed ticket's photos are hidden with it)."""
    row: Record | None = await conn.fetchrow(
        f"SELECT {', '.join('p.' + c.strip() for c in _PHOTO_COLS.split(','))}"  # noqa: S608
        " FROM photos p JOIN tickets t ON t.id = p.ticket_id"
        " WHERE p.org_id = $1 AND p.ticket_id = $2 AND p.id = $3 AND t.deleted_at IS NULL",
        org_id,
        ticket_id,
        photo_id,
    )
    return row


async def delete_photo(conn: Connection, *, org_id: UUID, photo_id: UUID) -> None:
    await conn.execute("DELETE FROM photos WHERE org_id = $1 AND id = $2", org_id, photo_id)
