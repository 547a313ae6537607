"""Users of an org."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from servelo_common.repository import Lock, get_row, one
from servelo_common.sql import Where

from auth.domain.users import UserStatus
from auth.repository import Record, updated

# The columns the service layer may change (never `id`, `org_id`, `email`, timestamps).
COLUMNS = frozenset(
    {"name", "role", "status", "password_hash", "phone", "notes", "avatar_url", "preferences"}
)


async def insert_user(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    email: str,
    name: str,
    role: str,
    status: UserStatus,
    password_hash: str | None,
) -> Record | None:
    """The new user, or None when the email is taken in this org."""
    return await conn.fetchrow(
        "INSERT INTO users (id, org_id, email, name, role, status, password_hash)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, email) DO NOTHING"
        " RETURNING *",
        uuid.uuid4(),
        org_id,
        email,
        name,
        role,
        status.value,
        password_hash,
    )


async def get_user(
    conn: asyncpg.Connection, *, org_id: UUID, user_id: UUID, for_update: bool = False
) -> Record | None:
    lock: Lock | None = "UPDATE" if for_update else None
    return await get_row(conn, "users", org_id=org_id, row_id=user_id, lock=lock)


async def get_user_by_email(conn: asyncpg.Connection, *, org_id: UUID, email: str) -> Record | None:
    return await conn.fetchrow(
        "SELECT * FROM users WHERE org_id = $1 AND email = $2", org_id, email
    )


async def update_user(
    conn: asyncpg.Connection, *, org_id: UUID, user_id: UUID, changes: Mapping[str, Any]
) -> Record:
    """Set the given columns (only `COLUMNS`) and `updated_at` of a user the caller has
    locked (or just read in its transaction)."""
    where = Where(org_id, user_id)
    values = {k: v.value if isinstance(v, UserStatus) else v for k, v in changes.items()}
    return await one(
        conn,
        f"UPDATE users SET {where.assign(values, COLUMNS)}, updated_at = now()"  # noqa: S608
        " WHERE org_id = $1 AND id = $2 RETURNING *",
        *where.params,
    )


async def delete_user(conn: asyncpg.Connection, *, org_id: UUID, user_id: UUID) -> bool:
    status = await conn.execute("DELETE FROM users WHERE org_id = $1 AND id = $2", org_id, user_id)
    return updated(status)


async def list_users(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    role: str | None,
    status: UserStatus | None,
    limit: int,
    after: Sequence[Any] | None,
    since: datetime | None = None,
) -> list[Record]:
    """Newest first, keyset-paged on (created_at, id); changed since `since`: by
    (updated_at, id)."""
    where = Where().add("org_id = {}", org_id).when(role, "role = {}")
    where.when(status.value if status else None, "status = {}")
    sql = where.page(
        "SELECT * FROM users",
        order=("created_at", "id"),
        descending=True,
        limit=limit,
        after=after,
        since=since,
    )
    return list(await conn.fetch(sql, *where.params))


async def active_users(
    conn: asyncpg.Connection, *, org_id: UUID, limit: int, after: Sequence[Any] | None
) -> list[Record]:
    """Active users by name, keyset-paged on (name, id) (the partial index's order)."""
    where = Where().add("org_id = {}", org_id).add("status = 'active'")
    sql = where.page(
        "SELECT id, name, email, role, phone, avatar_url FROM users",
        order=("name", "id"),
        limit=limit,
        after=after,
    )
    return list(await conn.fetch(sql, *where.params))


async def lock_admins(conn: asyncpg.Connection, *, org_id: UUID) -> None:
    """Serialize changes to an org's admins, so two demotions cannot both pass the
    last-admin check."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('admins:' || $1::text))", str(org_id))


async def other_active_admins(conn: asyncpg.Connection, *, org_id: UUID, user_id: UUID) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM users WHERE org_id = $1 AND role = 'admin'"
        " AND status <> 'deactivated' AND id <> $2",
        org_id,
        user_id,
    )
    return count
