"""Hourly clean-up of what only matters for a while: ended sessions, used links, old
revocations (the gateway needs 20 minutes of them; a day is kept), stale sign-in counters
and magic-link requests. The statements are in auth.repository.maintenance."""

from __future__ import annotations

from servelo_common.db import Pool
from servelo_common.worker import PollingWorker

from auth.service.maintenance import purge_expired

INTERVAL = 3600.0


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
