"""SQL on the team schema: roles, team members, their rate history and utilization.

Identifiers put into SQL text (tables, columns, lock modes) come from fixed lists in this
module, never from input; every value is a bind parameter (hence the `S608` waivers).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from asyncpg import Connection, Record
from servelo_common.sql import Where

_MEMBER_COLUMNS = ("name", "role_id", "hourly_rate", "active")
_MEMBER_SELECT = """
SELECT m.id, m.name, m.role_id, m.hourly_rate, m.active, m.created_at, m.updated_at,
       r.name AS role_name
FROM {source} m LEFT JOIN roles r ON r.org_id = m.org_id AND r.id = m.role_id
"""


# Roles -------------------------------------------------------------------------------------


async def list_roles(
    conn: Connection, *, org_id: UUID, limit: int, after: Sequence[Any] | None
) -> list[Record]:
    where = Where().add("org_id = {}", org_id)
    if after:
        where.add("(name, id) > ({}, {})", *after)
    return list(
        await conn.fetch(
            f"SELECT id, name FROM roles{where.sql} ORDER BY name, id LIMIT {where.param(limit)}",  # noqa: S608
            *where.params,
        )
    )


async def get_role(
    conn: Connection, *, org_id: UUID, role_id: int, lock: str | None = None
) -> Record | None:
    """`lock`: "KEY SHARE" keeps the role from being deleted until commit; "UPDATE" more."""
    suffix = f" FOR {lock}" if lock in ("KEY SHARE", "UPDATE") else ""
    query = f"SELECT id, name FROM roles WHERE org_id = $1 AND id = $2{suffix}"  # noqa: S608
    row: Record | None = await conn.fetchrow(query, org_id, role_id)
    return row


async def insert_role(conn: Connection, *, org_id: UUID, name: str) -> Record:
    """Insert with the org's next role id (1, 2, 3, ... per org), taken in the same statement.

    The counter row stays locked until commit, which serializes one org's creates and gives
    them consecutive ids; a create that fails (a taken name) rolls its id back.
    """
    row: Record = await conn.fetchrow(
        "WITH counter AS (INSERT INTO role_counters (org_id, next_id) VALUES ($1, 2)"
        " ON CONFLICT (org_id) DO UPDATE SET next_id = role_counters.next_id + 1"
        " RETURNING next_id - 1 AS id)"
        " INSERT INTO roles (org_id, id, name) SELECT $1, counter.id, $2 FROM counter"
        " RETURNING id, name",
        org_id,
        name,
    )
    return row


async def update_role(conn: Connection, *, org_id: UUID, role_id: int, name: str) -> Record | None:
    row: Record | None = await conn.fetchrow(
        "UPDATE roles SET name = $3, updated_at = now() WHERE org_id = $1 AND id = $2"
        " RETURNING id, name",
        org_id,
        role_id,
        name,
    )
    return row


async def role_in_use(conn: Connection, *, org_id: UUID, role_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM team_members WHERE org_id = $1 AND role_id = $2)",
            org_id,
            role_id,
        )
    )


async def delete_role(conn: Connection, *, org_id: UUID, role_id: int) -> bool:
    return (
        await conn.fetchval(
            "DELETE FROM roles WHERE org_id = $1 AND id = $2 RETURNING true", org_id, role_id
        )
        is not None
    )


# Team members ------------------------------------------------------------------------------


async def list_members(
    conn: Connection, *, org_id: UUID, active: bool | None, limit: int, after: Sequence[Any] | None
) -> list[Record]:
    where = Where().add("m.org_id = {}", org_id).when(active, "m.active = {}")
    if after:
        where.add("(m.name, m.id) > ({}, {})", *after)
    sql = (
        _MEMBER_SELECT.format(source="team_members")
        + where.sql
        + f" ORDER BY m.name, m.id LIMIT {where.param(limit)}"
    )
    return list(await conn.fetch(sql, *where.params))


async def get_member(conn: Connection, *, org_id: UUID, member_id: UUID) -> Record | None:
    row: Record | None = await conn.fetchrow(
        _MEMBER_SELECT.format(source="team_members") + " WHERE m.org_id = $1 AND m.id = $2",
        org_id,
        member_id,
    )
    return row


async def lock_member(
    conn: Connection, *, org_id: UUID, member_id: UUID, mode: str = "UPDATE"
) -> Record | None:
    """Lock the member row: "UPDATE" serializes bookings and deletes of one member,
    "KEY SHARE" only keeps it from being deleted until commit."""
    if mode not in ("UPDATE", "KEY SHARE"):
        raise ValueError(mode)
    row: Record | None = await conn.fetchrow(
        f"SELECT id, hourly_rate, active FROM team_members WHERE org_id = $1 AND id = $2"  # noqa: S608
        f" FOR {mode}",
        org_id,
        member_id,
    )
    return row


async def insert_member(
    conn: Connection,
    *,
    org_id: UUID,
    member_id: UUID,
    name: str,
    role_id: int | None,
    hourly_rate: Decimal,
    active: bool,
) -> Record:
    row: Record = await conn.fetchrow(
        "WITH m AS (INSERT INTO team_members (id, org_id, name, role_id, hourly_rate, active)"  # noqa: S608
        " VALUES ($1, $2, $3, $4, $5, $6) RETURNING *)" + _MEMBER_SELECT.format(source="m"),
        member_id,
        org_id,
        name,
        role_id,
        hourly_rate,
        active,
    )
    return row


async def update_member(
    conn: Connection, *, org_id: UUID, member_id: UUID, changes: dict[str, Any]
) -> Record | None:
    fields = [c for c in _MEMBER_COLUMNS if c in changes]
    sets = "".join(f", {c} = ${i}" for i, c in enumerate(fields, start=3))
    row: Record | None = await conn.fetchrow(
        f"WITH m AS (UPDATE team_members SET updated_at = now(){sets}"  # noqa: S608
        " WHERE org_id = $1 AND id = $2 RETURNING *)" + _MEMBER_SELECT.format(source="m"),
        org_id,
        member_id,
        *(changes[c] for c in fields),
    )
    return row


async def delete_member(conn: Connection, *, org_id: UUID, member_id: UUID) -> None:
    await conn.execute("DELETE FROM team_members WHERE org_id = $1 AND id = $2", org_id, member_id)


async def member_history(
    conn: Connection, *, org_id: UUID, member_id: UUID
) -> tuple[date | None, bool]:
    """The last day the member is booked on, and whether any hours were recorded."""
    row = await conn.fetchrow(
        "SELECT (SELECT max(end_date) FROM allocations"
        "        WHERE org_id = $1 AND team_member_id = $2) AS last_end,"
        " EXISTS (SELECT 1 FROM actuals WHERE org_id = $1 AND team_member_id = $2) AS acted",
        org_id,
        member_id,
    )
    return row["last_end"], bool(row["acted"])


async def set_rate(
    conn: Connection, *, org_id: UUID, member_id: UUID, rate: Decimal, effective_from: date | None
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


# Utilization -------------------------------------------------------------------------------

# Per day of the window with any booking or recorded hours: hours, the rate in force that day
# (the latest rate_history row on or before it; a member's first rate is in force since
# -infinity) and the costs rounded to cents; the totals are sums of the rounded day costs.
_UTILIZATION = """
WITH days AS (
  SELECT $3::date + i AS day FROM generate_series(0, $4::date - $3::date) AS i
), booked AS (
  SELECT days.day, sum(a.hours_per_day) AS hours
  FROM days JOIN allocations a
    ON a.org_id = $1 AND a.team_member_id = $2 AND days.day BETWEEN a.start_date AND a.end_date
  GROUP BY days.day
), worked AS (
  SELECT date AS day, sum(hours) AS hours FROM actuals
  WHERE org_id = $1 AND team_member_id = $2 AND date BETWEEN $3 AND $4
  GROUP BY date
), per_day AS (
  SELECT d.day, coalesce(b.hours, 0) AS allocated_hours, coalesce(w.hours, 0) AS actual_hours,
         (SELECT r.rate FROM rate_history r
           WHERE r.org_id = $1 AND r.team_member_id = $2 AND r.effective_from <= d.day
           ORDER BY r.effective_from DESC LIMIT 1) AS hourly_rate
  FROM days d LEFT JOIN booked b USING (day) LEFT JOIN worked w USING (day)
  WHERE b.hours IS NOT NULL OR w.hours IS NOT NULL
), costed AS (
  SELECT day, allocated_hours, actual_hours, hourly_rate,
         round(allocated_hours * hourly_rate, 2) AS allocated_cost,
         round(actual_hours * hourly_rate, 2) AS actual_cost
  FROM per_day
)
SELECT day AS date, allocated_hours, actual_hours, hourly_rate, allocated_cost, actual_cost,
       sum(allocated_hours) OVER () AS total_allocated_hours,
       sum(actual_hours) OVER () AS total_actual_hours,
       sum(allocated_cost) OVER () AS total_allocated_cost,
       sum(actual_cost) OVER () AS total_actual_cost
FROM costed ORDER BY day
"""


async def utilization(
    conn: Connection, *, org_id: UUID, member_id: UUID, start: date, end: date
) -> list[Record]:
    return list(await conn.fetch(_UTILIZATION, org_id, member_id, start, end))
