"""crm test helpers: factories for clients and quotes, and a publisher for auth's events."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest
from servelo_common.testing import EventPublisher

Json = dict[str, Any]


async def _make_customer(client: Any, **fields: Any) -> Json:
    body = {"name": "Ann Lee", "email": f"ann-{secrets.token_hex(4)}@example.com", **fields}
    resp = await client.post("/api/customers", json=body)
    assert resp.status == 201, resp
    return dict(resp.json)


async def _make_quote(client: Any, customer_id: str, **fields: Any) -> Json:
    body = {
        "customer_id": customer_id,
        "line_items": [{"description": "Boiler service", "quantity": "1", "unit_price": "100.00"}],
        **fields,
    }
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
def publish(event_publisher: EventPublisher) -> Callable[..., Awaitable[str]]:
    """`await publish("auth", "settings-updated", data, tenant=org_id)`, as auth would."""

    async def send(
        source: str, event_type: str, data: Json, *, tenant: str, time: datetime | None = None
    ) -> str:
        return await event_publisher.publish(
            source, event_type, data, tenant=tenant, time=time, subject=tenant
        )

    return send
