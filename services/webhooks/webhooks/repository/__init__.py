"""asyncpg SQL on the `webhooks` schema: one module per resource, keyword-only, a connection
first; the service owns the transaction.

SQL text is built only from constants of these modules (whitelisted columns), never from
input; every value is a bound parameter. Every query of a tenant filters by `org_id` on top
of row-level security; the dispatcher's and the janitor's work across tenants runs in a
`system_tx` and says so.
"""

from __future__ import annotations

from typing import TypeAlias

import asyncpg

Record: TypeAlias = asyncpg.Record
