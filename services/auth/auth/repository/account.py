"""A user's avatar (stored in auth's database: small, and it goes with the org)."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from auth.repository import Record


async def put_avatar(
    conn: asyncpg.Connection, *, org_id: UUID, user_id: UUID, content_type: str, data: bytes
) -> None:
    await conn.execute(
        "INSERT INTO avatars (user_id, org_id, content_type, data) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (user_id) DO UPDATE SET content_type = EXCLUDED.content_type,"
        " data = EXCLUDED.data, updated_at = now()",
        user_id,
        org_id,
        content_type,
        data,
    )


async def get_avatar(conn: asyncpg.Connection, *, org_id: UUID, user_id: UUID) -> Record | None:
    return await conn.fetchrow(
        "SELECT content_type, data, updated_at FROM avatars WHERE org_id = $1 AND user_id = $2",
        org_id,
        user_id,
    )
