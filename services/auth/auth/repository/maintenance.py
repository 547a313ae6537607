"""The hourly clean-up's statements: what only matters for a while (a `system_tx`)."""

from __future__ import annotations

import asyncpg

STATEMENTS = (
    # Sessions ended or expired over a week ago (their refresh tokens go with them); kept a
    # week so a replayed token is still recognised as reuse for a while.
    "DELETE FROM sessions WHERE COALESCE(revoked_at, expires_at) < now() - interval '7 days'",
    "DELETE FROM magic_links WHERE expires_at < now() - interval '1 day'",
    # The gateway needs 20 minutes of revocations; a day is kept.
    "DELETE FROM revocations WHERE revoked_at < now() - interval '1 day'",
    # Sign-in counters past the longest reset (12 hours, auth.domain.lockout) and no longer
    # locked.
    "DELETE FROM login_attempts WHERE COALESCE(last_failure_at, '-infinity') <"
    " now() - interval '12 hours' AND COALESCE(locked_until, '-infinity') < now()",
    # A magic-link request nobody could serve within an hour is of no use any more.
    "DELETE FROM magic_link_requests WHERE requested_at < now() - interval '1 hour'",
)


async def purge_expired(conn: asyncpg.Connection) -> None:
    for statement in STATEMENTS:
        await conn.execute(statement)
