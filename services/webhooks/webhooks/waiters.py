"""Long-polls of the feed: who waits for which org, woken by Postgres NOTIFY.

The feed's insert trigger notifies `servelo_feed_webhooks` with the org id at commit, on
every replica's LISTEN connection, so a waiter answers as soon as an event of its org is
in the feed, wherever the consumer ran. Waiters hold no database connection while they
wait, and are bounded per replica and per org. A LISTEN connection that breaks is taken
again, and every waiter then looks once more (what was committed meanwhile is not missed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from uuid import UUID

import asyncpg
from servelo_common.db import Pooled
from servelo_common.errors import ApiError
from servelo_common.worker import Worker

from webhooks.repository.feed import CHANNEL

log = logging.getLogger("webhooks.waiters")

RELISTEN_INTERVAL = 1.0


class TooManyWaiters(ApiError):
    def __init__(self) -> None:
        super().__init__(429, "Too many requests waiting for events", headers={"Retry-After": "1"})


class FeedWaiters(Worker):
    """Long-poll waiters and, as a supervised worker (servelo_common.worker), the LISTEN
    that wakes them."""

    def __init__(self, pool: asyncpg.Pool, *, max_total: int, max_per_org: int) -> None:
        super().__init__("webhooks-feed-listener")
        self.pool, self.max_total, self.max_per_org = pool, max_total, max_per_org
        self._waiting: dict[UUID, set[asyncio.Event]] = defaultdict(set)
        self._total = 0
        self._conn: Pooled | None = None

    async def stop(self) -> None:
        await super().stop()
        await self._release()

    @contextlib.asynccontextmanager
    async def slot(self, org_id: UUID) -> AsyncIterator[asyncio.Event]:
        """An event set when the org's feed may have grown; 429 past the bounds."""
        waiting = self._waiting[org_id]
        if self._total >= self.max_total or len(waiting) >= self.max_per_org:
            if not waiting:
                self._waiting.pop(org_id, None)
            raise TooManyWaiters()
        woken = asyncio.Event()
        waiting.add(woken)
        self._total += 1
        try:
            yield woken
        finally:
            self._total -= 1
            waiting.discard(woken)
            if not waiting:
                self._waiting.pop(org_id, None)

    def _notify(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        try:
            org_id = UUID(str(payload))
        except ValueError:
            return
        for woken in self._waiting.get(org_id, ()):
            woken.set()

    def _wake_all(self) -> None:
        for waiting in self._waiting.values():
            for woken in waiting:
                woken.set()

    async def run(self) -> None:
        while True:
            if not self._listening():
                await self._release()
                try:
                    conn = await self.pool.acquire()
                    await conn.add_listener(CHANNEL, self._notify)
                    self._conn = conn
                    self._wake_all()  # anything committed while nobody listened
                except (OSError, asyncpg.PostgresError, TimeoutError):
                    log.warning("could not LISTEN for feed events; retrying", exc_info=True)
            await asyncio.sleep(RELISTEN_INTERVAL)

    def _listening(self) -> bool:
        try:
            return self._conn is not None and not self._conn.is_closed()
        except asyncpg.InterfaceError:
            # asyncpg has already taken a lost connection back (Postgres restarted).
            return False

    async def _release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(Exception):
            await conn.remove_listener(CHANNEL, self._notify)
        with contextlib.suppress(Exception):
            await self.pool.release(conn)
