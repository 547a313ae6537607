"""Sign-in counters (`login_attempts`) per (org, scope, key), shared by every replica."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from auth.repository import Record


async def lock_login_attempts(
    conn: asyncpg.Connection, *, org_id: UUID, keys: list[tuple[str, str]]
) -> list[Record]:
    """The sign-in counters of `keys` ((scope, key) pairs), created if new, locked for the
    transaction in the order given (always email, then address: no deadlock)."""
    return list(
        await conn.fetch(
            "INSERT INTO login_attempts (org_id, scope, key)"
            " SELECT $1, s, k FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(s, k, n)"
            " ORDER BY n"
            " ON CONFLICT (org_id, scope, key) DO UPDATE SET failures = login_attempts.failures"
            " RETURNING scope, key, failures, last_failure_at, locked_until, now() AS now",
            org_id,
            [scope for scope, _ in keys],
            [key for _, key in keys],
        )
    )


async def save_login_attempts(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    scope: str,
    key: str,
    failures: int,
    last_failure_at: datetime | None,
    locked_until: datetime | None,
) -> None:
    await conn.execute(
        "UPDATE login_attempts SET failures = $4, last_failure_at = $5, locked_until = $6"
        " WHERE org_id = $1 AND scope = $2 AND key = $3",
        org_id,
        scope,
        key,
        failures,
        last_failure_at,
        locked_until,
    )


async def delete_login_attempts(
    conn: asyncpg.Connection, *, org_id: UUID, scope: str, key: str
) -> None:
    await conn.execute(
        "DELETE FROM login_attempts WHERE org_id = $1 AND scope = $2 AND key = $3",
        org_id,
        scope,
        key,
    )
