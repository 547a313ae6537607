"""Durable JetStream consumers that run a handler once per event id.

    Subscription(name="users", events=["servelo.events.auth.user-created", ...],
                 handler=handle_user_event)

The handler runs in a tenant transaction together with the inbox insert, so a redelivered
event is skipped and a failed handler leaves nothing behind. After `max_deliver` failed
attempts the event is kept in `dead_letters` and terminated, so one poison message does not
block the stream.
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

from servelo_common.bus import EventBus
from servelo_common.db import system_tx, tenant_tx
from servelo_common.events import STREAM, CloudEvent

log = logging.getLogger("servelo.consumer")

Handler = Callable[[asyncpg.Connection, CloudEvent], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    name: str
    events: Sequence[str]
    handler: Handler
    max_deliver: int = 5
    ack_wait: float = 30.0
    backoff: Sequence[float] = field(default=(0.5, 2.0, 5.0, 15.0))


class Consumer:
    def __init__(
        self, pool: asyncpg.Pool, bus: EventBus, *, service: str, subscription: Subscription
    ) -> None:
        self.pool, self.bus, self.sub = pool, bus, subscription
        self.durable = f"{service}-{subscription.name}"
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.durable)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        await self.bus.wait_ready()
        delay = 0.2
        while True:
            try:
                psub = await self.bus.js.pull_subscribe(
                    "",
                    durable=self.durable,
                    stream=STREAM,
                    config=ConsumerConfig(
                        filter_subjects=list(self.sub.events),
                        ack_policy=AckPolicy.EXPLICIT,
                        deliver_policy=DeliverPolicy.ALL,
                        max_deliver=self.sub.max_deliver,
                        ack_wait=self.sub.ack_wait,
                    ),
                )
                delay = 0.2
                while True:
                    try:
                        msgs = await psub.fetch(batch=50, timeout=1.0)
                    except (NatsTimeoutError, TimeoutError):
                        continue
                    for msg in msgs:
                        await self._handle(msg)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "consumer loop failed; retrying",
                    extra={"consumer": self.durable, "error": repr(exc)},
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _handle(self, msg: Msg) -> None:
        try:
            event = CloudEvent.from_json(orjson.loads(msg.data))
        except (ValueError, KeyError, TypeError) as exc:
            await self._dead_letter(msg, None, None, f"undecodable event: {exc!r}")
            await msg.term()
            return
        try:
            await self.handle_event(event)
        except Exception as exc:
            deliveries = msg.metadata.num_delivered or 1
            log.warning(
                "event handler failed",
                exc_info=True,
                extra={
                    "consumer": self.durable,
                    "event_id": event.id,
                    "type": event.type,
                    "delivery": deliveries,
                },
            )
            if deliveries >= self.sub.max_deliver:
                await self._dead_letter(msg, event.id, event.tenant, repr(exc))
                await msg.term()
            else:
                backoff = self.sub.backoff[min(deliveries - 1, len(self.sub.backoff) - 1)]
                await msg.nak(delay=backoff)
            return
        await msg.ack()

    async def handle_event(self, event: CloudEvent) -> bool:
        """Run the handler unless this event id was handled; True when it ran."""
        scope = tenant_tx(self.pool, event.tenant) if event.tenant else system_tx(self.pool)
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
            return True

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
                msg.subject,
                msg.data.decode(errors="replace"),
                error[:2000],
                msg.metadata.num_delivered or 1,
            )


def _uuid_or_none(value: str | None) -> UUID | None:
    """A dead letter must be kept even when the event's ids are garbage."""
    try:
        return UUID(value) if value else None
    except ValueError:
        return None
