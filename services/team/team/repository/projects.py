"""Projects: the `projects` table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from servelo_common.repository import (
    Lock,
    Record,
    delete_row,
    get_row,
    insert_row,
    list_page,
    update_row,
)
from servelo_common.sql import Where

from team.schemas.projects import ProjectQuery

COLUMNS = frozenset({"name", "customer_id", "active", "start_date", "end_date"})


async def list_projects(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    query: ProjectQuery,
    limit: int,
    after: Sequence[Any] | None,
    since: datetime | None = None,
) -> list[Record]:
    where = (
        Where()
        .add("org_id = {}", org_id)
        .when(query.active, "active = {}")
        .when(query.customer_id, "customer_id = {}")
    )
    return await list_page(
        conn,
        "SELECT * FROM projects",
        where,
        order=("name", "id"),
        limit=limit,
        after=after,
        since=since,
    )


async def get_project(
    conn: asyncpg.Connection, *, org_id: UUID, project_id: UUID, lock: Lock | None = None
) -> Record | None:
    return await get_row(conn, "projects", org_id=org_id, row_id=project_id, lock=lock)


async def insert_project(
    conn: asyncpg.Connection, *, org_id: UUID, project_id: UUID, values: Mapping[str, Any]
) -> Record:
    return await insert_row(
        conn, "projects", COLUMNS, org_id=org_id, row_id=project_id, values=values
    )


async def update_project(
    conn: asyncpg.Connection, *, org_id: UUID, project_id: UUID, changes: Mapping[str, Any]
) -> Record | None:
    return await update_row(
        conn, "projects", COLUMNS, org_id=org_id, row_id=project_id, changes=changes
    )


async def delete_project(conn: asyncpg.Connection, *, org_id: UUID, project_id: UUID) -> None:
    await delete_row(conn, "projects", org_id=org_id, row_id=project_id)


async def project_in_use(conn: asyncpg.Connection, *, org_id: UUID, project_id: UUID) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM allocations WHERE org_id = $1 AND project_id = $2)"
            " OR EXISTS (SELECT 1 FROM actuals WHERE org_id = $1 AND project_id = $2)",
            org_id,
            project_id,
        )
    )
