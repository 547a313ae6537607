"""Deliveries to a real receiver: the CloudEvent as on NATS, signed per Standard Webhooks."""

from __future__ import annotations

from servelo_common.testing import eventually
from servelo_common.testing.factories import make_webhook

from .conftest import deliveries_of


async def test_ticket_event_is_delivered_signed(tenant, receivers):
    receiver = await receivers()
    hook = await make_webhook(tenant.admin, url=receiver.url, events=["ticket-created"])
    assert hook["secret"].startswith("whsec_")
    resp = await tenant.admin.post("/api/tickets", json={"title": "Leak"})
    assert resp.status == 201, resp
    await receiver.wait_for(1)
    got = receiver.received[0]
    event = got.verify(hook["secret"])
    assert event["type"] == "ticket-created"
    assert event["tenant"] == tenant.org_id
    assert event["data"]["id"] == resp.json["id"]
    assert got.headers["webhook-id"] == event["id"]
    assert got.headers["Content-Type"] == "application/json"

    async def logged():
        (delivery,) = await deliveries_of(tenant.admin, hook["id"])
        assert delivery["status"] == "succeeded", delivery
        assert delivery["attempts"] == 1 and delivery["response_status"] == 204
        assert delivery["event_id"] == event["id"]

    await eventually(logged)
