"""Team members: the `team_members` table (joined with the role's name) and each member's
`rate_history`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
from servelo_common.repository import Lock, Record, get_row, list_page, one
from servelo_common.sql import Where

from team.schemas.members import TeamMemberQuery

COLUMNS = frozenset({"name", "role_id", "hourly_rate", "active"})
# A member as the API shows it: with its role's name. `{source}` is the table, or the CTE
# of the INSERT/UPDATE whose row is answered.
_SELECT = """
SELECT m.id, m.name, m.role_id, m.hourly_rate, m.active, m.created_at, m.updated_at,
       r.name AS role_name
FROM {source} m LEFT JOIN roles r ON r.org_id = m.org_id AND r.id = m.role_id
"""


async def list_members(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    query: TeamMemberQuery,
    limit: int,
    after: Sequence[Any] | None,
    since: datetime | None = None,
) -> list[Record]:
    return await list_page(
        conn,
        _SELECT.format(source="team_members"),
        Where().add("m.org_id = {}", org_id).when(query.active, "m.active = {}"),
        order=("m.name", "m.id"),
        limit=limit,
        after=after,
        since=since,
        sync_order=("m.updated_at", "m.id"),
    )


async def get_member(conn: asyncpg.Connection, *, org_id: UUID, member_id: UUID) -> Record | None:
    return await conn.fetchrow(
        _SELECT.format(source="team_members") + " WHERE m.org_id = $1 AND m.id = $2",
        org_id,
        member_id,
    )


async def lock_member(
    conn: asyncpg.Connection, *, org_id: UUID, member_id: UUID, mode: Lock = "UPDATE"
) -> Record | None:
    """Lock the member row: "UPDATE" serializes bookings and deletes of one member,
    "KEY SHARE" only keeps it from being deleted until commit."""
    return await get_row(
        conn,
        "team_members",
        org_id=org_id,
        row_id=member_id,
        columns="id, hourly_rate, active",
        lock=mode,
    )


async def insert_member(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    member_id: UUID,
    name: str,
    role_id: int | None,
    hourly_rate: Decimal,
    active: bool,
) -> Record:
    return await one(
        conn,
        "WITH m AS (INSERT INTO team_members (id, org_id, name, role_id, hourly_rate, active)"  # noqa: S608
        " VALUES ($1, $2, $3, $4, $5, $6) RETURNING *)" + _SELECT.format(source="m"),
        member_id,
        org_id,
        name,
        role_id,
        hourly_rate,
        active,
    )


async def update_member(
    conn: asyncpg.Connection, *, org_id: UUID, member_id: UUID, changes: Mapping[str, Any]
) -> Record | None:
    where = Where(org_id, member_id)
    assignments = where.assign(changes, COLUMNS)
    sets = f", {assignments}" if assignments else ""
    return await conn.fetchrow(
        f"WITH m AS (UPDATE team_members SET updated_at = now(){sets}"  # noqa: S608
        " WHERE org_id = $1 AND id = $2 RETURNING *)" + _SELECT.format(source="m"),
        *where.params,
    )


async def delete_member(conn: asyncpg.Connection, *, org_id: UUID, member_id: UUID) -> None:
    await conn.execute("DELETE FROM team_members WHERE org_id = $1 AND id = $2", org_id, member_id)


async def member_history(
    conn: asyncpg.Connection, *, org_id: UUID, member_id: UUID
) -> tuple[date | None, bool]:
    """The last day the member is booked on, and whether any hours were recorded."""
    row = await one(
        conn,
        "SELECT (SELECT max(end_date) FROM allocations"
        "        WHERE org_id = $1 AND team_member_id = $2) AS last_end,"
        " EXISTS (SELECT 1 FROM actuals WHERE org_id = $1 AND team_member_id = $2) AS acted",
        org_id,
        member_id,
    )
    return row["last_end"], bool(row["acted"])


async def set_rate(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    member_id: UUID,
    rate: Decimal,
    effective_from: date | None,
) -> None:
    """The rate from `effective_from` on; None: since always (a new member's first rate)."""
    await conn.execute(
        "INSERT INTO rate_history (org_id, team_member_id, rate, effective_from)"
        " VALUES ($1, $2, $3, coalesce($4, '-infinity'::date))"
        " ON CONFLICT (org_id, team_member_id, effective_from)"
        " DO UPDATE SET rate = excluded.rate, created_at = now()",
        org_id,
        member_id,
        rate,
        effective_from,
    )
