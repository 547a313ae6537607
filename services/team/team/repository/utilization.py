"""A member's utilization, computed in one query over allocations, actuals and rates."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg
from servelo_common.repository import Record

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


async def utilization_days(
    conn: asyncpg.Connection, *, org_id: UUID, member_id: UUID, start: date, end: date
) -> list[Record]:
    """One row per day with hours, each with the window's totals (`total_*`)."""
    return list(await conn.fetch(_UTILIZATION, org_id, member_id, start, end))
