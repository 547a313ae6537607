"""The worker that makes and mails the magic links asked for (`magic_link_requests`).

The request handler only inserts a row and wakes this worker; the row is deleted in the
transaction that makes and mails the link (`service.magic_links.work_off`), so a replica
that dies mid-way loses nothing: its rows are picked up by the next pass of any replica
(every `POLL` seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from auth.service import Auth
from auth.service.magic_links import work_off

log = logging.getLogger("auth.link_requests")
POLL = 2.0


class LinkRequests:
    def __init__(self, ctx: Auth) -> None:
        self.ctx = ctx
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="auth-link-requests")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                while await work_off(self.ctx):
                    pass
            except Exception:
                log.warning("magic-link requests failed; will retry", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL)
