"""asyncpg SQL on the `team` schema: one module per resource, keyword-only, a connection
first; the service owns the transaction.

SQL text is built only from constants of these modules (tables, whitelisted columns, lock
modes), never from input; every value is a bound parameter (hence the `noqa: S608`). Every
query filters by `org_id` on top of row-level security: the filter is what lets the planner
use the `(org_id, ...)` indexes. The statements every table shares are
`servelo_common.repository`'s.
"""

from __future__ import annotations

from uuid import UUID

from servelo_common.sql import Where

from team.schemas import DatedQuery


def dated_where(*, org_id: UUID, query: DatedQuery) -> Where:
    """The filters the lists of allocations and of actuals share; the days are theirs."""
    return (
        Where()
        .add("org_id = {}", org_id)
        .when(query.team_member_id, "team_member_id = {}")
        .when(query.project_id, "project_id = {}")
    )
