"""Publish CloudEvents into the real JetStream stream as another service would, so a test
can drive a consumer without running the producer (or replay an event on purpose)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import orjson
from nats.aio.client import Client
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from servelo_common.events import STREAM, subject_for
from servelo_common.jsonutil import iso_z


class EventPublisher:
    def __init__(self, nc: Client) -> None:
        self.nc = nc
        self.js = nc.jetstream()

    async def publish(
        self,
        source: str,
        event_type: str,
        data: dict[str, Any],
        *,
        tenant: str,
        event_id: str | None = None,
        msg_id: str | None = None,
        time: datetime | str | None = None,
        subject: str | None = None,
    ) -> str:
        """Returns the event id. `event_id` re-sends a given CloudEvent id; `msg_id` sets the
        `Nats-Msg-Id` (default: the event id), so a duplicate can get past JetStream's
        de-duplication to the consumer's inbox."""
        eid = event_id or str(uuid.uuid4())
        when = time if isinstance(time, str) else iso_z(time or datetime.now(UTC))
        event = {
            "specversion": "1.0",
            "id": eid,
            "source": f"servelo/{source}",
            "type": event_type,
            "time": when,
            "subject": subject if subject is not None else data.get("id"),
            "datacontenttype": "application/json",
            "tenant": tenant,
            "data": data,
        }
        await self.js.publish(
            subject_for(source, event_type),
            orjson.dumps(event),
            headers={"Nats-Msg-Id": msg_id or eid},
        )
        return eid


async def stream_events(nc: Client, subject: str, *, tenant: str | None = None) -> list[Any]:
    """Every CloudEvent in the stream on `subject` (wildcards allowed), oldest first,
    optionally only one tenant's: what a test counts to find lost or duplicated events."""
    js = nc.jetstream()
    sub = await js.pull_subscribe(
        subject,
        stream=STREAM,
        config=ConsumerConfig(
            deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE, inactive_threshold=60
        ),
    )
    found: list[Any] = []
    try:
        while True:
            info = await sub.consumer_info()
            if not info.num_pending:
                break
            try:
                msgs = await sub.fetch(batch=500, timeout=2)
            except TimeoutError:
                continue
            for msg in msgs:
                event = orjson.loads(msg.data)
                if tenant is None or event.get("tenant") == tenant:
                    found.append(event)
    finally:
        await sub.unsubscribe()
    return found


async def assert_consumers_idle(nc: Client, services: Iterable[str] | None = None) -> None:
    """Every durable consumer of the stream (of `services`, when given: durables are named
    `<service>-<name>`) has handled (acked) everything it was sent; wrap in `eventually`."""
    js = nc.jetstream()
    prefixes = tuple(f"{s}-" for s in services) if services is not None else ("",)
    busy = {
        c.name: (c.num_pending, c.num_ack_pending)
        for c in await js.consumers_info(STREAM)
        if c.config.durable_name
        and c.name.startswith(prefixes)
        and (c.num_pending or c.num_ack_pending)
    }
    assert not busy, f"consumers still busy (pending, ack pending): {busy}"
