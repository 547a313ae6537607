"""Magic-link requests worked off after the answer, from the `magic_link_requests` table.

The request handler only inserts a row and wakes this worker; the row is deleted in the
transaction that makes and mails the link, so a replica that dies mid-way loses nothing:
its rows are picked up by the next pass of any replica (every `POLL` seconds).
"""

from __future__ import annotations

from servelo_common.worker import PollingWorker

from auth.service import Auth
from auth.service.magic_links import BATCH, work_off

POLL = 2.0


class LinkRequests(PollingWorker):
    """A supervised worker (servelo_common.worker): woken by each request in this replica,
    polling every `POLL` seconds for rows another replica left behind."""

    poll_interval = POLL

    def __init__(self, ctx: Auth) -> None:
        super().__init__("auth-link-requests", ctx.pool)
        self.ctx = ctx

    async def work(self) -> bool:
        return await work_off(self.ctx) >= BATCH
