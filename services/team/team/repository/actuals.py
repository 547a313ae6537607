"""Actuals: the `actuals` table."""

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

from team.repository import dated_where
from team.schemas.actuals import ActualQuery

COLUMNS = frozenset({"team_member_id", "project_id", "date", "hours", "ticket_id", "notes"})


async def list_actuals(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    query: ActualQuery,
    limit: int,
    after: Sequence[Any] | None,
    since: datetime | None = None,
) -> list[Record]:
    """Those on days from `query.start` to `query.end`, by (date, id)."""
    where = dated_where(org_id=org_id, query=query)
    where.when(query.start, "date >= {}").when(query.end, "date <= {}")
    return await list_page(
        conn,
        "SELECT * FROM actuals",
        where,
        order=("date", "id"),
        limit=limit,
        after=after,
        since=since,
    )


async def get_actual(
    conn: asyncpg.Connection, *, org_id: UUID, actual_id: UUID, lock: Lock | None = None
) -> Record | None:
    return await get_row(conn, "actuals", org_id=org_id, row_id=actual_id, lock=lock)


async def insert_actual(
    conn: asyncpg.Connection, *, org_id: UUID, actual_id: UUID, values: Mapping[str, Any]
) -> Record:
    return await insert_row(
        conn, "actuals", COLUMNS, org_id=org_id, row_id=actual_id, values=values
    )


async def update_actual(
    conn: asyncpg.Connection, *, org_id: UUID, actual_id: UUID, changes: Mapping[str, Any]
) -> Record | None:
    return await update_row(
        conn, "actuals", COLUMNS, org_id=org_id, row_id=actual_id, changes=changes
    )


async def delete_actual(
    conn: asyncpg.Connection, *, org_id: UUID, actual_id: UUID
) -> Record | None:
    return await delete_row(conn, "actuals", org_id=org_id, row_id=actual_id)
