"""asyncpg SQL on the `webhooks` schema: one module per resource, keyword-only, a connection
first; the service owns the transaction.

SQL text is built only from constants of these modules (whitelisted columns), never from
input; every value is a bound parameter. Every query of a tenant filters by `org_id` on top
of row-level security; the dispatcher's and the janitor's work across tenants runs in a
`system_tx` and says so.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import asyncpg

Record: TypeAlias = asyncpg.Record


async def one(conn: asyncpg.Connection, sql: str, *args: Any) -> Record:
    """The row of a statement that always returns one (`INSERT ... RETURNING`)."""
    row: Record | None = await conn.fetchrow(sql, *args)
    assert row is not None, sql
    return row


def affected(status: str) -> int:
    """Rows of an `UPDATE n` / `DELETE n` status string."""
    return int(status.split()[-1])
