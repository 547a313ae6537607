"""asyncpg SQL on the `crm` schema. Keyword-only; the service owns the transaction.

SQL text is built only from constants and whitelisted column names (hence the
`noqa: S608`), with `servelo_common.sql.Where`; values are always bound parameters. Every
query filters by `org_id` even though row-level security would hide other orgs' rows
anyway: the filter is what lets the planner use the (org_id, ...) indexes.
"""

from __future__ import annotations

import asyncpg

Record = asyncpg.Record
