"""The delivery worker: claims due deliveries from Postgres and sends them, concurrently.

- Work lives in `deliveries` rows, so a restart loses nothing; a claim is a short
  transaction (`FOR UPDATE SKIP LOCKED`, so replicas take different rows) that leases the
  rows for the attempt's timeout plus a margin. A replica that dies mid-attempt leaves
  leases that run out, and another replica tries again (at-least-once).
- At most `webhooks_concurrency` attempts in flight per replica and
  `webhooks_endpoint_concurrency` per endpoint: a slow endpoint holds only its own slots,
  and claims skip endpoints that are at their bound, so others' due rows are never behind
  its backlog.
- Each claim reads an endpoint's due rows from a floor: the newest `next_attempt_at` it
  took there, less a margin. A succeeded delivery's entry stays in the due index until a
  vacuum, at the head of the range, and a claim from the start stepped over all of them
  (`make bench`: Postgres at 2-3x the CPU per delivery a minute after a vacuum). A row
  below a floor (committed late, a lease run out) is taken by the claim without floors
  made every `FULL_CLAIM_SECONDS`.
- It wakes on the NOTIFY of a new delivery or a redelivery, when an attempt ends (`wake`),
  and every `webhooks_poll_interval` seconds (retries that came due).
- Successes are written in batches; a failure is written at once, in the tenant's
  transaction, with what it decides: a retry later, giving up, or disabling an endpoint
  that has failed for the whole retry window (`webhook-disabled`, through the outbox).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
from servelo_common.db import system_tx, tenant_tx
from servelo_common.events import emit
from servelo_common.jsonutil import iso_z
from servelo_common.worker import PollingWorker

from webhooks import events
from webhooks.context import Webhooks
from webhooks.crypto import endpoint_aad
from webhooks.domain.deliveries import Outcome
from webhooks.domain.endpoints import DISABLED_REASON, Endpoint
from webhooks.repository import deliveries as repo
from webhooks.repository import endpoints as endpoints_repo
from webhooks.repository.deliveries import CHANNEL
from webhooks.sender import Sender
from webhooks.signing import delivery_headers

log = logging.getLogger("webhooks.dispatcher")

LEASE_MARGIN = 30.0
FLUSH_DELAY = 0.02
# While attempts are in flight, slots free up one by one: wait this long for a few more
# before claiming, so a claim (one transaction) serves several attempts.
CLAIM_COALESCE = 0.005
# Per endpoint, claims read its due range from the newest `next_attempt_at` it last took
# minus this (a row committed that much later than its transaction began is still seen),
# and every FULL_CLAIM_SECONDS from the start (anything else late, leases run out).
FLOOR_MARGIN = timedelta(seconds=2)
FULL_CLAIM_SECONDS = 5.0
GONE = "the event is no longer retained"
DISABLED = "webhook disabled after failing for the whole retry window"


class Dispatcher(PollingWorker):
    """Claims due deliveries and runs their attempts. The loop is `PollingWorker`'s: LISTEN
    on the deliveries channel (taken again after a Postgres restart), a claim per wake-up or
    poll, backoff while Postgres is away, and the supervisor's restart for anything else."""

    def __init__(self, ctx: Webhooks, sender: Sender) -> None:
        super().__init__("webhooks-dispatcher", ctx.pool, channel=CHANNEL)
        self.ctx, self.sender = ctx, sender
        settings = ctx.settings
        self.poll_interval = settings.webhooks_poll_interval  # retries that came due
        self.concurrency = settings.webhooks_concurrency
        self.per_endpoint = settings.webhooks_endpoint_concurrency
        self.lease_seconds = settings.webhooks_timeout + LEASE_MARGIN
        self.inflight: Counter[UUID] = Counter()
        self.total = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._successes: list[tuple[UUID, UUID, int, int]] = []
        self._flush: asyncio.Task[None] | None = None
        self.floors: dict[UUID, datetime] = {}
        self._full_claim_at = 0.0

    async def stop(self) -> None:
        await super().stop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._write_successes()
        await self.sender.close()

    async def work(self) -> bool:
        """One claim; True when there may be more due right now and room to take it."""
        if self.total:
            await asyncio.sleep(CLAIM_COALESCE)
        claimed = await self.claim() if self.total < self.concurrency else 0
        return bool(claimed) and self.total < self.concurrency

    async def claim(self) -> int:
        """Lease what this replica has room for; start one attempt per row. Returns how many."""
        if time.monotonic() >= self._full_claim_at:
            self.floors.clear()
            self._full_claim_at = time.monotonic() + FULL_CLAIM_SECONDS
        async with system_tx(self.ctx.pool) as conn:
            chosen = await repo.claim_due(
                conn,
                per_endpoint=self.per_endpoint,
                inflight=self.inflight,
                limit=self.concurrency - self.total,
                lease_seconds=self.lease_seconds,
                floors=self.floors,
            )
            if not chosen:
                return 0
            endpoints = list({r["endpoint_id"] for r in chosen})
            sealed = await endpoints_repo.active_secrets(conn, endpoint_ids=endpoints)
        secrets: dict[UUID, list[str]] = defaultdict(list)
        for s in sealed:
            aad = endpoint_aad(s["org_id"], s["endpoint_id"])
            secrets[s["endpoint_id"]].append(self.ctx.box.open(s["sealed"], aad=aad))
        for row in chosen:
            floor = row["next_attempt_at"] - FLOOR_MARGIN
            if row["endpoint_id"] not in self.floors or floor > self.floors[row["endpoint_id"]]:
                self.floors[row["endpoint_id"]] = floor
            self.inflight[row["endpoint_id"]] += 1
            self.total += 1
            task = asyncio.create_task(self._attempt(row, secrets[row["endpoint_id"]]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(chosen)

    async def _attempt(self, row: asyncpg.Record, secrets: list[str]) -> None:
        endpoint_id = row["endpoint_id"]
        try:
            if row["body"] is None:
                outcome = Outcome(status=None, duration_ms=0, error=GONE)
                await self._record_failure(row, outcome, give_up=True)
                return
            body = row["body"].encode()
            headers = delivery_headers(
                secrets, msg_id=str(row["event_id"]), timestamp=int(time.time()), body=body
            )
            outcome = await self.sender.post(row["url"], body, headers)
            if outcome.succeeded:
                assert outcome.status is not None
                self._successes.append(
                    (row["id"], endpoint_id, outcome.status, outcome.duration_ms)
                )
                if self._flush is None or self._flush.done():
                    self._flush = asyncio.create_task(self._flush_soon())
            else:
                await self._record_failure(row, outcome)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The lease runs out and the attempt is made again: at-least-once.
            log.exception(
                "delivery attempt failed unexpectedly", extra={"delivery": str(row["id"])}
            )
        finally:
            self.inflight[endpoint_id] -= 1
            if self.inflight[endpoint_id] <= 0:
                del self.inflight[endpoint_id]
            self.total -= 1
            self.wake()  # a slot is free

    async def _flush_soon(self) -> None:
        await asyncio.sleep(FLUSH_DELAY)
        await self._write_successes()

    async def _write_successes(self) -> None:
        batch, self._successes = self._successes, []
        if not batch:
            return
        try:
            async with system_tx(self.ctx.pool) as conn:
                await repo.record_successes(
                    conn,
                    delivery_ids=[b[0] for b in batch],
                    statuses=[b[2] for b in batch],
                    durations=[b[3] for b in batch],
                )
                await endpoints_repo.clear_failing(conn, endpoint_ids=list({b[1] for b in batch}))
        except Exception:
            # Not written: the leases run out and these are sent again (at-least-once).
            log.exception("could not record successful deliveries", extra={"count": len(batch)})

    async def _record_failure(
        self, row: asyncpg.Record, outcome: Outcome, *, give_up: bool = False
    ) -> None:
        org_id, endpoint_id = row["org_id"], row["endpoint_id"]
        async with tenant_tx(self.ctx.pool, org_id) as conn:
            locked = await endpoints_repo.mark_failing(conn, org_id=org_id, endpoint_id=endpoint_id)
            if locked is None:
                return  # deleted meanwhile (its deliveries with it)
            endpoint = Endpoint.from_row(locked)
            now = datetime.now(UTC)
            policy = self.ctx.retry
            next_at = (
                None
                if give_up
                else policy.next_attempt(
                    failed_attempts=row["attempts"] + 1, retry_from=row["retry_from"], now=now
                )
            )
            await repo.record_failure(
                conn,
                org_id=org_id,
                delivery_id=row["id"],
                response_status=outcome.status,
                duration_ms=outcome.duration_ms,
                error=outcome.error,
                next_attempt_at=next_at,
            )
            if endpoint.failing_too_long(now, policy.window):
                await self._disable(conn, endpoint, org_id=org_id, error=outcome.error)

    async def _disable(
        self, conn: asyncpg.Connection, endpoint: Endpoint, *, org_id: UUID, error: str | None
    ) -> None:
        await endpoints_repo.update_endpoint(
            conn,
            org_id=org_id,
            endpoint_id=endpoint.id,
            changes={"active": False, "disabled_reason": DISABLED_REASON},
        )
        await repo.fail_pending(conn, org_id=org_id, endpoint_id=endpoint.id, error=DISABLED)
        assert endpoint.failing_since is not None
        disabled = events.WebhookDisabled(
            id=str(endpoint.id),
            reason=DISABLED_REASON,
            failing_since=iso_z(endpoint.failing_since),
            last_error=error,
        )
        await emit(conn, disabled, tenant=org_id, subject=endpoint.id)
        log.warning("webhook disabled", extra={"webhook": str(endpoint.id), "org_id": str(org_id)})
