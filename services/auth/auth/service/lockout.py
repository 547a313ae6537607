"""Sign-in counters in auth's database, shared by every replica (rules: domain.lockout).

Steps of the login's transactions: they take its connection.
"""

from __future__ import annotations

import math
from uuid import UUID

import asyncpg
from servelo_common.errors import rate_limited

from auth.domain import lockout
from auth.repository import Record
from auth.repository import lockout as repo

TOO_MANY = "Too many requests"


def _counter(row: Record) -> lockout.Counter:
    return lockout.Counter(row["failures"], row["last_failure_at"], row["locked_until"])


async def _save(
    conn: asyncpg.Connection, *, org_id: UUID, scope: str, key: str, counter: lockout.Counter
) -> None:
    await repo.save_login_attempts(
        conn,
        org_id=org_id,
        scope=scope,
        key=key,
        failures=counter.failures,
        last_failure_at=counter.last_failure_at,
        locked_until=counter.locked_until,
    )


async def count_attempt(
    conn: asyncpg.Connection, *, org_id: UUID, keys: list[tuple[str, str]]
) -> None:
    """Count a password attempt against every key; 429 with Retry-After while one is locked
    (the same answer for a known and an unknown email; a locked attempt is not counted)."""
    rows = await repo.lock_login_attempts(conn, org_id=org_id, keys=keys)
    now = rows[0]["now"]
    counters = {(r["scope"], r["key"]): _counter(r) for r in rows}
    waits = {scope: lockout.locked_for(c, now) for (scope, _), c in counters.items()}
    scope, wait = max(waits.items(), key=lambda item: item[1])
    if wait > 0:
        policy = lockout.POLICIES[scope]
        raise rate_limited(
            retry_after=math.ceil(wait),
            policy=f"lockout-{scope}",
            quota=policy.free,
            window=round(policy.reset_after),
            message=TOO_MANY,
        )
    for (scope, key), counter in counters.items():
        counted = lockout.count_attempt(lockout.POLICIES[scope], counter, now)
        await _save(conn, org_id=org_id, scope=scope, key=key, counter=counted)


async def take_back(conn: asyncpg.Connection, *, org_id: UUID, keys: list[tuple[str, str]]) -> None:
    """The password was right: the email starts over, the address gets its attempt back."""
    for scope, key in keys:
        if scope == lockout.EMAIL:
            await repo.delete_login_attempts(conn, org_id=org_id, scope=scope, key=key)
            continue
        for row in await repo.lock_login_attempts(conn, org_id=org_id, keys=[(scope, key)]):
            counter = lockout.take_back(lockout.POLICIES[scope], _counter(row))
            await _save(conn, org_id=org_id, scope=scope, key=key, counter=counter)
