"""asyncpg SQL on the `crm` schema. Keyword-only; the service owns the transaction.

SQL text is built only from constants and whitelisted column names (hence the
`noqa: S608`); values are always bound parameters. Every query filters by `org_id` even
though row-level security would hide other orgs' rows anyway: the filter is what lets the
planner use the (org_id, ...) indexes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

Record = asyncpg.Record


def assignments(
    values: Mapping[str, Any], allowed: frozenset[str], first: int
) -> tuple[str, list[Any]]:
    """`a = $3, b = $4` and its values; column names come from `allowed` only."""
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    names = sorted(values)
    sql = ", ".join(f"{name} = ${first + i}" for i, name in enumerate(names))
    return sql, [values[n] for n in names]


def keyset(conditions: list[str], args: list[Any], cursor: Sequence[Any] | None) -> None:
    """Newest-first keyset: rows strictly after the last row of the previous page."""
    if cursor is not None:
        args.extend(cursor)
        conditions.append(f"(created_at, id) < (${len(args) - 1}, ${len(args)})")
