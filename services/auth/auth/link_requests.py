"""Magic-link requests worked off after the answer, from the `magic_link_requests` table.

The request handler only inserts a row and wakes this worker; the row is deleted in the
transaction that makes and mails the link, so a replica that dies mid-way loses nothing:
its rows are picked up by the next pass of any replica (every `POLL` seconds).
"""

from __future__ import annotations

import logging

from servelo_common.db import system_tx, tenant_tx
from servelo_common.worker import PollingWorker

from auth import repository as repo
from auth.context import Auth
from auth.magic import send_requested_link

log = logging.getLogger("auth.link_requests")
POLL = 2.0
BATCH = 50


class LinkRequests(PollingWorker):
    """A supervised worker (servelo_common.worker): woken by each request in this replica,
    polling every `POLL` seconds for rows another replica left behind."""

    poll_interval = POLL

    def __init__(self, ctx: Auth) -> None:
        super().__init__("auth-link-requests", ctx.pool)
        self.ctx = ctx

    async def work(self) -> bool:
        return await self.work_off() >= BATCH

    async def work_off(self) -> int:
        """Handle the waiting requests (oldest first); returns how many were handled."""
        pool = self.ctx.pool
        async with system_tx(pool) as conn:
            pending = await repo.pending_link_requests(conn, limit=BATCH)
        done = 0
        for row in pending:
            org_id = row["org_id"]
            try:
                async with tenant_tx(pool, org_id) as conn:
                    request = await repo.take_link_request(
                        conn, org_id=org_id, request_id=row["id"]
                    )
                    if request is None:
                        continue  # another replica has it
                    await send_requested_link(
                        conn, self.ctx, org_id=org_id, email=request["email"], ip=request["ip"]
                    )
            except Exception:
                # The row stays for the next pass (the janitor drops it after an hour).
                log.warning(
                    "magic-link request failed", extra={"request": row["id"]}, exc_info=True
                )
                continue
            done += 1
        return done
