"""Magic-link requests worked off after the answer, from the `magic_link_requests` table.

The request handler only inserts a row and wakes this worker; the row is deleted in the
transaction that makes and mails the link, so a replica that dies mid-way loses nothing:
its rows are picked up by the next pass of any replica (every `POLL` seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from servelo_common.db import system_tx, tenant_tx

from auth import repository as repo
from auth.context import Auth
from auth.magic import send_requested_link

log = logging.getLogger("auth.link_requests")
POLL = 2.0
BATCH = 50


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
                while await self.work_off():
                    pass
            except Exception:
                log.warning("magic-link requests failed; will retry", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL)

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
