"""Hourly clean-up of what only matters for a while: ended sessions, used links, old
revocations (the gateway needs 20 minutes of them; a day is kept), stale sign-in counters
and magic-link requests."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from servelo_common.db import Pool

# The statements are in auth.repository.maintenance.
from auth.service.maintenance import purge_expired

log = logging.getLogger("auth.maintenance")
INTERVAL = 3600.0


class Janitor:
    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="auth-janitor")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(INTERVAL)
            try:
                await purge_expired(self.pool)
            except Exception:
                log.warning("clean-up failed; will retry", exc_info=True)
