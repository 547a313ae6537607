"""crm test helpers: factories for clients and quotes, and a publisher for auth's events."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import nats
import orjson
import pytest
from servelo_common.events import subject_for
from servelo_common.jsonutil import iso_z

Json = dict[str, Any]


async def _make_customer(client: Any, **fields: Any) -> Json:
    body = {"name": "Ann Lee", "email": f"ann-{secrets.token_hex(4)}@example.com", **fields}
    resp = await client.post("/api/customers", json=body)
    assert resp.status == 201, resp
    return dict(resp.json)


async def _make_quote(client: Any, customer_id: str, **fields: Any) -> Json:
    body = {"customer_id": customer_id,
            "line_items": [{"description": "Boiler service", "quantity": "1",
                            "unit_price": "100.00"}], **fields}
    resp = await client.post("/api/quotes", json=body)
    assert resp.status == 201, resp
    return dict(resp.json)


@pytest.fixture
def make_customer() -> Callable[..., Awaitable[Json]]:
    """`await make_customer(client, **fields)`: a created client (201 asserted)."""
    return _make_customer


@pytest.fixture
def make_quote() -> Callable[..., Awaitable[Json]]:
    """`await make_quote(client, customer_id, **fields)`: a created draft quote."""
    return _make_quote


@pytest.fixture
async def publish(stack: Any) -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """`await publish("auth", "settings-updated", data, tenant=org_id)`, as auth would."""
    nc = await nats.connect(stack.nats_url)
    js = nc.jetstream()

    async def send(source: str, event_type: str, data: Json, *, tenant: str,
                   time: datetime | None = None) -> str:
        event_id = str(uuid.uuid4())
        event = {"specversion": "1.0", "id": event_id, "source": f"servelo/{source}",
                 "type": event_type, "time": iso_z(time or datetime.now(UTC)),
                 "subject": tenant, "datacontenttype": "application/json",
                 "tenant": tenant, "data": data}
        await js.publish(subject_for(source, event_type), orjson.dumps(event),
                         headers={"Nats-Msg-Id": event_id})
        return event_id

    try:
        yield send
    finally:
        await nc.close()
