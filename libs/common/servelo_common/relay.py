"""Publishes committed outbox rows to JetStream, in order, until NATS acknowledges them.

It wakes on the outbox trigger's NOTIFY (and polls as a fallback), publishes with the event
id as `Nats-Msg-Id` so a retry after a lost ack is dropped by JetStream's duplicate window,
and backs off while NATS or Postgres is down however long that lasts (a supervised
`PollingWorker`: its LISTEN connection is taken again after a Postgres restart). Replicas
share the work with `FOR UPDATE SKIP LOCKED`.
"""

from __future__ import annotations

import logging
import time

import asyncpg

from servelo_common.bus import EventBus
from servelo_common.jsonutil import dumps
from servelo_common.metrics import RELAY_PUBLISH_ERRORS
from servelo_common.worker import PollingWorker

log = logging.getLogger("servelo.relay")

POLL_INTERVAL = 1.0
MAX_BACKOFF = 5.0
KEEP_PUBLISHED_DAYS = 7
CLEANUP_INTERVAL = 3600.0


class OutboxRelay(PollingWorker):
    poll_interval = POLL_INTERVAL
    max_backoff = MAX_BACKOFF

    def __init__(
        self, pool: asyncpg.Pool, bus: EventBus, *, schema: str, batch_size: int = 200
    ) -> None:
        super().__init__(f"{schema}-outbox-relay", pool, channel=f"servelo_outbox_{schema}")
        self.bus, self.schema, self.batch_size = bus, schema, batch_size
        self._cleaned = float("-inf")
        self.publish_errors = RELAY_PUBLISH_ERRORS.labels(schema)

    async def prepare(self) -> None:
        await self.bus.wait_ready()

    async def work(self) -> bool:
        sent = await self.publish_pending()
        now = time.monotonic()
        if now - self._cleaned > CLEANUP_INTERVAL:
            await self._cleanup()
            self._cleaned = now
        return sent >= self.batch_size  # more waiting: do not sleep

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
                    self.publish_errors.inc()
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
