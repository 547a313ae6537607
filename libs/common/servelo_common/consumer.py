"""Durable JetStream consumers that run a handler once per event id.

    Subscription(name="users", events=["servelo.events.auth.user-created", ...],
                 handler=handle_user_event)

The handler runs in a tenant transaction together with the inbox insert, so a redelivered
event is skipped and a failed handler leaves nothing behind. Before any handler runs, the
transaction checks the org's tombstone (`purge.purge_org`): an event about a deleted org
is acknowledged and changes nothing.

No event is ever dropped. The server never gives up on a message (no `max_deliver`): the
consumer decides. A failure because a dependency is away (Postgres down, a lock or
statement timeout) is retried with backoff for as long as it lasts and never counts
against the event. After `max_deliver` failed handler runs the event is written to
`dead_letters`, and only once that row is committed is the message terminated; if the
dead letter cannot be written either, the message is redelivered later.

A subscription with a `batch_handler` (the webhooks feed) takes the consecutive events of one
tenant in a fetch together: one transaction, one inbox insert and one call with the events
new to the inbox, so that set-based SQL does for all of them what one statement per event did
for each. If anything in it fails, it rolls back whole and each event runs alone through
`handler`, exactly as above, so a failure still costs only the event that failed.

`servelo dead-letters replay` sends a dead letter back on the durable's own subject
(`events.replay_subject`), so it runs through this same path once more: handled (and
acknowledged) if the cause was fixed, dead-lettered again if not, skipped by the inbox if it
was handled meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from uuid import UUID

import asyncpg
import orjson
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from servelo_common import tracing
from servelo_common.bus import EventBus
from servelo_common.db import OrgDeleted, system_tx, tenant_tx
from servelo_common.errors import is_unavailable
from servelo_common.events import ORIGINAL_SUBJECT_HEADER, STREAM, CloudEvent, replay_subject
from servelo_common.logs import event_id_var
from servelo_common.metrics import INBOX_HANDLED
from servelo_common.worker import Worker

log = logging.getLogger("servelo.consumer")

Handler = Callable[[asyncpg.Connection, CloudEvent], Awaitable[None]]
# Called with the events of one tenant that are new to the inbox, in stream order.
BatchHandler = Callable[[asyncpg.Connection, Sequence[CloudEvent]], Awaitable[None]]

# Failure counts of messages in flight, by stream sequence; far more than can be pending.
_MAX_TRACKED = 10_000
UNSUBSCRIBE_SECONDS = 2.0


@dataclass(frozen=True)
class Subscription:
    name: str
    events: Sequence[str]
    handler: Handler
    # Failed handler runs (dependency outages excluded) before the event is dead-lettered.
    max_deliver: int = 5
    ack_wait: float = 30.0
    # Redelivery delays after the 1st, 2nd, ... failure; the last one repeats.
    backoff: Sequence[float] = field(default=(0.5, 2.0, 5.0, 15.0))
    # Optional: what `handler` does, for several events of one tenant at once (see above).
    batch_handler: BatchHandler | None = None


class Consumer(Worker):
    def __init__(
        self, pool: asyncpg.Pool, bus: EventBus, *, service: str, subscription: Subscription
    ) -> None:
        self.durable = f"{service}-{subscription.name}"
        super().__init__(self.durable)
        self.pool, self.bus, self.sub = pool, bus, subscription
        self._failures: dict[int, int] = {}
        self.handled = INBOX_HANDLED.labels(self.durable)

    def consumer_config(self) -> ConsumerConfig:
        return ConsumerConfig(
            name=self.durable,
            durable_name=self.durable,
            # Its own replay subject too: a replayed dead letter comes back to it alone.
            filter_subjects=[*self.sub.events, replay_subject(self.durable)],
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            # The server must never stop redelivering on its own: see the module docstring.
            max_deliver=-1,
            ack_wait=self.sub.ack_wait,
        )

    async def run(self) -> None:
        await self.bus.wait_ready()
        # Create, or update an existing durable (one made with a server-side max_deliver).
        await self.bus.js.add_consumer(STREAM, self.consumer_config())
        psub = await self.bus.js.pull_subscribe_bind(durable=self.durable, stream=STREAM)
        try:
            while True:
                try:
                    msgs = await psub.fetch(batch=50, timeout=1.0)
                except (NatsTimeoutError, TimeoutError):
                    continue
                if self.sub.batch_handler is None:
                    for msg in msgs:
                        await self._handle(msg)
                else:
                    await self._handle_fetched(msgs)
        finally:
            try:
                # Bounded: on a connection that is neither up nor yet reconnecting, nats-py
                # may wait for ever to flush the UNSUB, and stop() (shutdown) with it.
                async with asyncio.timeout(UNSUBSCRIBE_SECONDS):
                    await psub.unsubscribe()
            except Exception:
                log.debug("unsubscribe failed", exc_info=True)

    async def _handle_fetched(self, msgs: Sequence[Msg]) -> None:
        """In stream order: runs of consecutive events of one tenant together, any other
        message (undecodable, no tenant, an id that is no UUID) alone."""
        run: list[tuple[Msg, CloudEvent]] = []
        for msg in msgs:
            event = _decoded(msg)
            if event is None or not event.tenant or _uuid_or_none(event.id) is None:
                await self._handle_run(run)
                run = []
                await self._handle(msg)
            elif run and event.tenant == run[0][1].tenant:
                run.append((msg, event))
            else:
                await self._handle_run(run)
                run = [(msg, event)]
        await self._handle_run(run)

    async def _handle_run(self, run: Sequence[tuple[Msg, CloudEvent]]) -> None:
        if len(run) > 1:
            try:
                with tracing.handling_batch(
                    consumer=self.durable, contexts=[_context(msg, e) for msg, e in run]
                ):
                    ran = await self._run_together([event for _, event in run])
            except Exception as exc:
                log.info(
                    "events run one by one after a failure in their shared transaction",
                    extra={"consumer": self.durable, "events": len(run), "error": repr(exc)},
                )
            else:
                for (msg, event), did in zip(run, ran, strict=True):
                    if did:
                        self.handled.inc()
                    token = event_id_var.set(event.id)
                    try:
                        await self._acknowledge(msg, event, did)
                    finally:
                        event_id_var.reset(token)
                return
        for msg, _ in run:
            await self._handle(msg)

    async def _run_together(self, events: Sequence[CloudEvent]) -> list[bool]:
        """One tenant transaction: the inbox rows of all, then the batch handler with those
        that were not in it yet (each id once). Which of `events` ran, in their order."""
        assert self.sub.batch_handler is not None
        ids = [UUID(e.id) for e in events]
        async with tenant_tx(self.pool, events[0].tenant or "") as conn:
            rows = await conn.fetch(
                "INSERT INTO inbox (consumer, event_id, org_id, type)"
                " SELECT $1, e.id, $3, e.type FROM unnest($2::uuid[], $4::text[]) AS e(id, type)"
                " ON CONFLICT DO NOTHING RETURNING event_id",
                self.durable,
                ids,
                UUID(events[0].tenant or ""),
                [e.type for e in events],
            )
            new = {r["event_id"] for r in rows}
            ran, fresh = [], []
            for event_id, event in zip(ids, events, strict=True):
                first = event_id in new
                new.discard(event_id)  # a second copy in the same fetch is a repeat
                ran.append(first)
                if first:
                    fresh.append(event)
            if fresh:
                await self.sub.batch_handler(conn, fresh)
        return ran

    async def _handle(self, msg: Msg) -> None:
        try:
            event = _decode(msg)
        except _UNDECODABLE as exc:
            await self._give_up(msg, None, None, f"undecodable event: {exc!r}")
            return
        # Every log line of this event's work carries its id.
        token = event_id_var.set(event.id)
        try:
            with tracing.handling(consumer=self.durable, context=_context(msg, event)):
                try:
                    ran = await self.handle_event(event)
                except Exception as exc:
                    await self._failed(msg, event, exc)
                    return
                await self._acknowledge(msg, event, ran)
        finally:
            event_id_var.reset(token)

    async def _acknowledge(self, msg: Msg, event: CloudEvent, ran: bool) -> None:
        self._failures.pop(_seq(msg), None)
        await msg.ack()
        # One line per event (as eShop's consumers log each one): far fewer than requests.
        log.info(
            "event handled" if ran else "event skipped",
            extra={"consumer": self.durable, "type": event.type},
        )

    async def _failed(self, msg: Msg, event: CloudEvent, exc: Exception) -> None:
        tracing.record_failure(exc)
        seq = _seq(msg)
        transient = is_unavailable(exc)
        failures = self._failures.get(seq, 0) + (0 if transient else 1)
        deliveries = msg.metadata.num_delivered or 1
        log.warning(
            "event handler failed",
            exc_info=not transient,
            extra={
                "consumer": self.durable,
                "event_id": event.id,
                "type": event.type,
                "delivery": deliveries,
                "failures": failures,
                "transient": transient,
                "error": repr(exc)[:300],
            },
        )
        if failures >= self.sub.max_deliver:
            await self._give_up(msg, event.id, event.tenant, repr(exc))
            return
        if len(self._failures) >= _MAX_TRACKED:
            self._failures.clear()
        self._failures[seq] = failures
        await msg.nak(delay=self._delay(deliveries))

    def _delay(self, deliveries: int) -> float:
        backoff = self.sub.backoff
        return backoff[min(deliveries - 1, len(backoff) - 1)] if backoff else 1.0

    async def _give_up(
        self, msg: Msg, event_id: str | None, tenant: str | None, error: str
    ) -> None:
        """Dead-letter, then terminate; if the dead letter cannot be written, redeliver."""
        try:
            await self._dead_letter(msg, event_id, tenant, error)
        except Exception as exc:
            log.warning(
                "dead letter not written; the event will be redelivered",
                extra={"consumer": self.durable, "event_id": event_id, "error": repr(exc)},
            )
            await msg.nak(delay=self._delay(msg.metadata.num_delivered or 1))
            return
        self._failures.pop(_seq(msg), None)
        log.error(
            "event dead-lettered",
            extra={"consumer": self.durable, "event_id": event_id, "error": error[:300]},
        )
        await msg.term()

    async def handle_event(self, event: CloudEvent) -> bool:
        """Run the handler unless this event id was handled or its org is deleted; True when
        it ran."""
        scope = tenant_tx(self.pool, event.tenant) if event.tenant else system_tx(self.pool)
        try:
            async with scope as conn:
                inserted = await conn.fetchval(
                    "INSERT INTO inbox (consumer, event_id, org_id, type) VALUES ($1, $2, $3, $4)"
                    " ON CONFLICT DO NOTHING RETURNING true",
                    self.durable,
                    UUID(event.id),
                    UUID(event.tenant) if event.tenant else None,
                    event.type,
                )
                if not inserted:
                    return False
                await self.sub.handler(conn, event)
            self.handled.inc()
            return True
        except OrgDeleted:
            log.info(
                "event for a deleted org ignored",
                extra={"consumer": self.durable, "event_id": event.id, "type": event.type},
            )
            return False

    async def _dead_letter(
        self, msg: Msg, event_id: str | None, tenant: str | None, error: str
    ) -> None:
        async with system_tx(self.pool) as conn:
            await conn.execute(
                "INSERT INTO dead_letters (consumer, event_id, org_id, subject, payload, error,"
                " deliveries) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                self.durable,
                _uuid_or_none(event_id),
                _uuid_or_none(tenant),
                (msg.headers or {}).get(ORIGINAL_SUBJECT_HEADER) or msg.subject,
                msg.data.decode(errors="replace"),
                error[:2000],
                msg.metadata.num_delivered or 1,
            )


_UNDECODABLE = (ValueError, KeyError, TypeError)


def _decode(msg: Msg) -> CloudEvent:
    return CloudEvent.from_json(orjson.loads(msg.data))


def _decoded(msg: Msg) -> CloudEvent | None:
    try:
        return _decode(msg)
    except _UNDECODABLE:
        return None  # handled alone, which dead-letters it


def _context(msg: Msg, event: CloudEvent) -> tracing.Delivered:
    headers = msg.headers or {}
    return tracing.Delivered(
        subject=headers.get(ORIGINAL_SUBJECT_HEADER) or msg.subject,
        event_id=event.id,
        event_type=event.type,
        traceparent=event.traceparent,
        tracestate=event.tracestate,
        header=headers.get("traceparent"),
    )


def _seq(msg: Msg) -> int:
    return int(msg.metadata.sequence.stream)


def _uuid_or_none(value: str | None) -> UUID | None:
    """A dead letter must be kept even when the event's ids are garbage."""
    try:
        return UUID(value) if value else None
    except ValueError:
        return None
