"""Publishes committed outbox rows to JetStream, in order, until NATS acknowledges them.

It wakes on the outbox trigger's NOTIFY (and polls as a fallback), publishes with the event
id as `Nats-Msg-Id` so a retry after a lost ack is dropped by JetStream's duplicate window,
and backs off while NATS or Postgres is down however long that lasts (a supervised
`PollingWorker`: its LISTEN connection is taken again after a Postgres restart). Replicas
share the work with `FOR UPDATE SKIP LOCKED`.

Each batch is read from a floor: the newest `seq` published by a batch at least
`FLOOR_MARGIN` (10) seconds ago. A published row's entry stays in the `outbox_pending` index
until a vacuum, at the head of the range, and a read from the start stepped over every
one of them (120,000 published rows: 0.83 ms per batch instead of 0.12 ms, and outbox
tables are vacuumed more and more rarely as they grow: autovacuum waits for 20 % of the
table to be dead). A row under the floor is one whose transaction took its `seq` before
that batch and committed more than the margin later (the outbox rows of a request's
transaction are inserted with its COMMIT, so this is rare), one a relay stalled that long
did not read in time, or one another replica let go of: every `FULL_SCAN_SECONDS` (2) a
batch is read from the start, and a failed publish drops the floor.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Any
from uuid import UUID

import asyncpg

from servelo_common import tracing
from servelo_common.bus import EventBus
from servelo_common.db import schema_tx
from servelo_common.jsonutil import dumps
from servelo_common.metrics import RELAY_PUBLISH_ERRORS
from servelo_common.worker import PollingWorker

log = logging.getLogger("servelo.relay")

POLL_INTERVAL = 1.0
MAX_BACKOFF = 5.0
KEEP_PUBLISHED_DAYS = 7
CLEANUP_INTERVAL = 3600.0
# A row is read above the floor unless its transaction, or this relay, stalled this long;
# the read from the start bounds how late such a row is published.
FLOOR_MARGIN = 10.0
FULL_SCAN_SECONDS = 2.0


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
        self.floor_margin, self.full_scan_seconds = FLOOR_MARGIN, FULL_SCAN_SECONDS
        self.floor = 0  # batches read rows above this `seq`
        self._full_scan_at = 0.0
        # (when, newest seq) of recent batches, oldest first: each becomes the floor once
        # it is FLOOR_MARGIN old.
        self._marks: deque[tuple[float, int]] = deque()

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
        # BEGIN, the batch, and its UPDATE with the COMMIT: three round trips (five with a
        # plain transaction and the pool's reset after it).
        after = self._scan_from(time.monotonic())
        async with schema_tx(self.pool) as conn:
            rows = await conn.fetch(
                "SELECT seq, id, subject, event, traceparent FROM outbox"
                " WHERE published_at IS NULL AND seq > $2"
                " ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED",
                self.batch_size,
                after,
            )
            published = []
            error: Exception | None = None
            # Rows past the results were not tried: they stay pending, untouched.
            for row, result in zip(rows, await self._publish_all(rows), strict=False):
                if result is None:
                    published.append(row["id"])
                    continue
                error = error or result
                self.publish_errors.inc()
                await conn.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1",
                    row["id"],
                    repr(result)[:500],
                )
            if published:
                # Ids are UUIDs: their text is hex digits and dashes, a safe literal.
                ids = ",".join(str(UUID(str(i))) for i in published)
                update = (
                    "UPDATE outbox SET published_at = now()"  # noqa: S608
                    f" WHERE id = ANY('{{{ids}}}'::uuid[])"
                )
                defer: Any = getattr(conn, "defer_to_commit", None)
                if defer is None or not defer(update):
                    await conn.execute(update)
        if error is not None:
            self.floor, self._full_scan_at = 0, 0.0  # what failed is pending under it
            self._marks.clear()
            raise error
        if rows:
            newest = max(rows[-1]["seq"], self._marks[-1][1] if self._marks else self.floor)
            self._marks.append((time.monotonic(), newest))
        return len(published)

    def _scan_from(self, now: float) -> int:
        """The `seq` this batch reads above: the floor, or 0 when a full scan is due."""
        while self._marks and self._marks[0][0] <= now - self.floor_margin:
            self.floor = max(self.floor, self._marks.popleft()[1])
        if now >= self._full_scan_at:
            self._full_scan_at = now + self.full_scan_seconds
            return 0
        return self.floor

    async def _publish(self, row: asyncpg.Record) -> None:
        event_id = str(row["id"])
        # The event's trace goes on: its context rides on the message too.
        trace_headers, publishing = tracing.publish_headers(
            subject=row["subject"],
            event_id=event_id,
            traceparent=row["traceparent"],
            tracestate=row["event"].get("tracestate"),
        )
        with publishing:
            await self.bus.js.publish(
                row["subject"],
                dumps(row["event"]),
                headers={"Nats-Msg-Id": event_id, **trace_headers},
                timeout=2.0,
            )

    async def _publish_all(self, rows: list[asyncpg.Record]) -> list[Exception | None]:
        """Each row's failure (None: acknowledged), for the rows tried.

        The batch is pipelined: every message is written before any acknowledgement is
        awaited, one round trip to JetStream for the batch instead of one per event (the
        relay kept up with ~1,100 events/s, not 2,000, waiting for each ack:
        docs/benchmarks-e2e.md). The messages leave in outbox order (nats-py queues each
        publish before its first await), so JetStream stores them in that order. Only
        while the client has no reply subscription yet (its first request makes it, and
        requests made at once before it exists each await its making and leave in any
        order) does the first go alone; waiting for its ack before sending the rest cost
        every batch a round trip (~1 ms of each event's latency here). Only what failed is
        retried, so a message refused in the middle of a batch (a stream leader moving,
        say) while later ones were stored ends up after them (docs/events.md, Order). When
        the first fails alone the rest is not sent: NATS is most likely away."""
        if not rows:
            return []
        out: list[Exception | None] = []
        if not self._replies_ready():
            try:
                await self._publish(rows[0])
            except Exception as exc:
                return [exc]
            out.append(None)
        results = await asyncio.gather(
            *(self._publish(r) for r in rows[len(out) :]), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result  # cancelled: the relay is stopping
            out.append(result if isinstance(result, Exception) else None)
        return out

    def _replies_ready(self) -> bool:
        """Whether nats-py's reply subscription exists (it is private: when the attribute is
        not there, the first message goes alone, which is always safe)."""
        client = getattr(self.bus.js, "_nc", None)
        return bool(getattr(client, "_resp_sub_prefix", None))

    async def _cleanup(self) -> None:
        async with self.pool.acquire() as conn:
            await conn.execute(
                "DELETE FROM outbox WHERE published_at < now() - make_interval(days => $1)",
                KEEP_PUBLISHED_DAYS,
            )
