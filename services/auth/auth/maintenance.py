"""Hourly clean-up of what only matters for a while: ended sessions, used links, old
revocations (the gateway needs 20 minutes of them; a day is kept), stale sign-in counters
and magic-link requests."""

from __future__ import annotations

from servelo_common.db import Pool, system_tx
from servelo_common.worker import PollingWorker

INTERVAL = 3600.0

_STATEMENTS = (
    # Sessions ended or expired over a week ago (their refresh tokens go with them); kept a
    # week so a replayed token is still recognised as reuse for a while.
    "DELETE FROM sessions WHERE COALESCE(revoked_at, expires_at) < now() - interval '7 days'",
    "DELETE FROM magic_links WHERE expires_at < now() - interval '1 day'",
    "DELETE FROM revocations WHERE revoked_at < now() - interval '1 day'",
    # Sign-in counters past the longest reset (12 hours, auth.lockout) and no longer locked.
    "DELETE FROM login_attempts WHERE COALESCE(last_failure_at, '-infinity') <"
    " now() - interval '12 hours' AND COALESCE(locked_until, '-infinity') < now()",
    # A magic-link request nobody could serve within an hour is of no use any more.
    "DELETE FROM magic_link_requests WHERE requested_at < now() - interval '1 hour'",
)


async def purge_expired(pool: Pool) -> None:
    async with system_tx(pool) as conn:
        for statement in _STATEMENTS:
            await conn.execute(statement)


class Janitor(PollingWorker):
    """A supervised worker (servelo_common.worker): hourly, and retried with backoff while
    the database is away."""

    poll_interval = INTERVAL
    max_backoff = 60.0

    def __init__(self, pool: Pool) -> None:
        super().__init__("auth-janitor", pool)

    async def work(self) -> bool:
        await purge_expired(self.pool)
        return False
