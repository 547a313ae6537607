"""Finance test helpers: publish other services' CloudEvents to the real JetStream stream."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import nats
import orjson
import pytest
from servelo_common.events import subject_for
from servelo_common.jsonutil import iso_z

Publish = Callable[..., Awaitable[str]]


@pytest.fixture
async def publish(stack: Any) -> AsyncIterator[Publish]:
    """`await publish("crm", "quote-accepted", data, tenant=org_id)` -> the event id.

    `event_id` re-sends a given CloudEvent id; `msg_id` sets the `Nats-Msg-Id` (default: the
    event id), so a test can get a duplicate past JetStream's de-duplication to the inbox.
    """
    nc = await nats.connect(stack.nats_url)
    js = nc.jetstream()

    async def send(source: str, event_type: str, data: dict[str, Any], *, tenant: str,
                   event_id: str | None = None, msg_id: str | None = None,
                   time: datetime | None = None) -> str:
        ce_id = event_id or str(uuid.uuid4())
        event = {
            "specversion": "1.0", "id": ce_id, "source": f"servelo/{source}",
            "type": event_type, "time": iso_z(time or datetime.now(UTC)),
            "subject": str(data.get("id")), "datacontenttype": "application/json",
            "tenant": tenant, "data": data,
        }
        await js.publish(subject_for(source, event_type), orjson.dumps(event),
                         headers={"Nats-Msg-Id": msg_id or ce_id})
        return ce_id

    try:
        yield send
    finally:
        await nc.close()


@pytest.fixture
async def customer(publish: Publish) -> Callable[..., Awaitable[str]]:
    """Announce a crm customer of a tenant (as crm would) and return its id."""

    async def make(tenant: Any, name: str = "Acme Plumbing") -> str:
        customer_id = str(uuid.uuid4())
        await publish("crm", "customer-created", {
            "id": customer_id, "name": name, "email": None, "phone": None},
            tenant=tenant.org_id)
        return customer_id

    return make
