"""Finance test helpers: publish other services' CloudEvents to the real JetStream stream."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest
from servelo_dev.testing import EventPublisher

Publish = Callable[..., Awaitable[str]]


@pytest.fixture
def publish(event_publisher: EventPublisher) -> Publish:
    """`await publish("crm", "quote-accepted", data, tenant=org_id)` -> the event id.

    `event_id` re-sends a given CloudEvent id; `msg_id` sets the `Nats-Msg-Id` (default: the
    event id), so a test can get a duplicate past JetStream's de-duplication to the inbox.
    """

    async def send(
        source: str,
        event_type: str,
        data: dict[str, Any],
        *,
        tenant: str,
        event_id: str | None = None,
        msg_id: str | None = None,
        time: datetime | None = None,
    ) -> str:
        return await event_publisher.publish(
            source,
            event_type,
            data,
            tenant=tenant,
            event_id=event_id,
            msg_id=msg_id,
            time=time,
            subject=str(data.get("id")),
        )

    return send


@pytest.fixture
async def customer(publish: Publish) -> Callable[..., Awaitable[str]]:
    """Announce a crm customer of a tenant (as crm would) and return its id."""

    async def make(tenant: Any, name: str = "Acme Plumbing") -> str:
        customer_id = str(uuid.uuid4())
        await publish(
            "crm",
            "customer-created",
            {"id": customer_id, "name": name, "email": None, "phone": None},
            tenant=tenant.org_id,
        )
        return customer_id

    return make
