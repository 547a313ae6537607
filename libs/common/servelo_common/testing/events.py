"""Publish CloudEvents into the real JetStream stream as another service would, so a test
can drive a consumer without running the producer (or replay an event on purpose)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from nats.aio.client import Client

from servelo_common.events import subject_for
from servelo_common.jsonutil import iso_z


class EventPublisher:
    def __init__(self, nc: Client) -> None:
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
