"""asyncpg SQL on the `auth` schema: one module per resource, keyword-only, a connection
first; the service owns the transaction.

SQL text is built only from constants of these modules (tables, whitelisted columns, lock
clauses), never from input; every value is a bound parameter (hence the `noqa: S608`).
Every query of a tenant's rows filters by `org_id` on top of row-level security (the filter
lets the planner use the `(org_id, ...)` indexes). `orgs` is the one table without
row-level security: the gateway and the system admin read it across tenants.
"""

from __future__ import annotations

from typing import TypeAlias

import asyncpg

Record: TypeAlias = asyncpg.Record


def updated(status: str) -> bool:
    """Whether an `UPDATE` / `DELETE` command tag counted any row."""
    return not status.endswith(" 0")
