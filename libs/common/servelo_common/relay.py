"""Publishes committed outbox rows to JetStream, in order, until NATS acknowledges them.

It wakes on the outbox trigger's NOTIFY (and polls as a fallback), publishes with the event
id as `Nats-Msg-Id` so a retry after a lost ack is dropped by JetStream's duplicate window,
and backs off while NATS is down however long that lasts. Replicas share the work with
`FOR UPDATE SKIP LOCKED`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg

from servelo_common.bus import EventBus
from servelo_common.jsonutil import dumps

log = logging.getLogger("servelo.relay")

POLL_INTERVAL = 1.0
MAX_BACKOFF = 5.0
KEEP_PUBLISHED_DAYS = 7


class OutboxRelay:
    def __init__(
        self, pool: asyncpg.Pool, bus: EventBus, *, schema: str, batch_size: int = 200
    ) -> None:
        self.pool, self.bus, self.schema, self.batch_size = pool, bus, schema, batch_size
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listener: asyncpg.Connection | None = None
        self._channel = f"servelo_outbox_{schema}"

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self.schema}-outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        self._listener = await self._listen()
        try:
            await self._loop()
        finally:
            # Give the LISTEN connection back, or closing the pool waits for it for ever.
            if self._listener is not None and not self._listener.is_closed():
                await self._listener.remove_listener(self._channel, self._on_notify)
                await self.pool.release(self._listener)

    async def _loop(self) -> None:
        await self.bus.wait_ready()
        backoff = 0.1
        cleaned = 0.0
        while True:
            try:
                sent = await self.publish_pending()
                backoff = 0.1
                loop_time = asyncio.get_running_loop().time()
                if loop_time - cleaned > 3600:
                    await self._cleanup()
                    cleaned = loop_time
                if sent >= self.batch_size:
                    continue  # more waiting: do not sleep
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox publish failed; will retry", extra={"error": repr(exc)})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_INTERVAL)
            if self._listener is None or self._listener.is_closed():
                self._listener = await self._listen()

    async def _listen(self) -> asyncpg.Connection | None:
        try:
            conn: asyncpg.Connection = await self.pool.acquire()
            await conn.add_listener(self._channel, self._on_notify)
            return conn
        except Exception:
            log.warning("could not LISTEN for outbox notifications; polling", exc_info=True)
            return None

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def publish_pending(self) -> int:
        """Publish one batch; returns how many were published."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT id, subject, event FROM outbox WHERE published_at IS NULL"
                " ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED",
                self.batch_size,
            )
            published = []
            error: Exception | None = None
            for row in rows:
                try:
                    await self.bus.js.publish(
                        row["subject"],
                        dumps(row["event"]),
                        headers={"Nats-Msg-Id": str(row["id"])},
                        timeout=2.0,
                    )
                except Exception as exc:
                    error = exc
                    await conn.execute(
                        "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1",
                        row["id"],
                        repr(exc)[:500],
                    )
                    break
                published.append(row["id"])
            if published:
                await conn.execute(
                    "UPDATE outbox SET published_at = now() WHERE id = ANY($1::uuid[])", published
                )
        if error is not None:
            raise error
        return len(published)

    async def _cleanup(self) -> None:
        async with self.pool.acquire() as conn:
            await conn.execute(
                "DELETE FROM outbox WHERE published_at < now() - make_interval(days => $1)",
                KEEP_PUBLISHED_DAYS,
            )
