"""tickets' copy of auth's users (who may be assigned), kept from auth's events."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from asyncpg import Connection


async def upsert_user(
    conn: Connection, *, org_id: UUID, user_id: UUID, fields: dict[str, Any], event_time: datetime
) -> bool:
    """Apply a user event unless a newer one was applied already; True when it applied."""
    return bool(
        await conn.fetchval(
            "INSERT INTO users AS u (org_id, id, name, email, role, active, deleted, event_time)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (org_id, id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email,"
            " role = EXCLUDED.role, active = EXCLUDED.active, deleted = EXCLUDED.deleted,"
            " event_time = EXCLUDED.event_time"
            " WHERE u.event_time <= EXCLUDED.event_time AND NOT u.deleted RETURNING true",
            org_id,
            user_id,
            fields.get("name") or "",
            fields.get("email") or "",
            fields.get("role") or "",
            bool(fields.get("active")),
            bool(fields.get("deleted")),
            event_time,
        )
    )


async def assignable_user(conn: Connection, *, org_id: UUID, user_id: UUID) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT true FROM users WHERE org_id = $1 AND id = $2 AND active AND NOT deleted",
            org_id,
            user_id,
        )
    )
