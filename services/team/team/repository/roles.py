"""Job roles: the `roles` table and its per-org id counter `role_counters`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from servelo_common.repository import Lock, Record, get_row, list_page, one
from servelo_common.sql import Where


async def list_roles(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    limit: int,
    after: Sequence[Any] | None,
    since: datetime | None = None,
) -> list[Record]:
    return await list_page(
        conn,
        "SELECT id, name, updated_at FROM roles",
        Where().add("org_id = {}", org_id),
        order=("name", "id"),
        limit=limit,
        after=after,
        since=since,
    )


async def get_role(
    conn: asyncpg.Connection, *, org_id: UUID, role_id: int, lock: Lock | None = None
) -> Record | None:
    return await get_row(
        conn, "roles", org_id=org_id, row_id=role_id, columns="id, name, updated_at", lock=lock
    )


async def insert_role(conn: asyncpg.Connection, *, org_id: UUID, name: str) -> Record:
    """Insert with the org's next role id (1, 2, 3, ... per org), taken in the same statement.

    The counter row stays locked until commit, which serializes one org's creates and gives
    them consecutive ids; a create that fails (a taken name) rolls its id back.
    """
    return await one(
        conn,
        "WITH counter AS (INSERT INTO role_counters (org_id, next_id) VALUES ($1, 2)"
        " ON CONFLICT (org_id) DO UPDATE SET next_id = role_counters.next_id + 1"
        " RETURNING next_id - 1 AS id)"
        " INSERT INTO roles (org_id, id, name) SELECT $1, counter.id, $2 FROM counter"
        " RETURNING id, name, updated_at",
        org_id,
        name,
    )


async def update_role(
    conn: asyncpg.Connection, *, org_id: UUID, role_id: int, name: str
) -> Record | None:
    return await conn.fetchrow(
        "UPDATE roles SET name = $3, updated_at = now() WHERE org_id = $1 AND id = $2"
        " RETURNING id, name, updated_at",
        org_id,
        role_id,
        name,
    )


async def role_in_use(conn: asyncpg.Connection, *, org_id: UUID, role_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM team_members WHERE org_id = $1 AND role_id = $2)",
            org_id,
            role_id,
        )
    )


async def delete_role(conn: asyncpg.Connection, *, org_id: UUID, role_id: int) -> bool:
    return (
        await conn.fetchval(
            "DELETE FROM roles WHERE org_id = $1 AND id = $2 RETURNING true", org_id, role_id
        )
        is not None
    )
