"""Deliveries to real receivers on 127.0.0.1: the CloudEvent as on NATS, signed per Standard
Webhooks, retried with backoff, never redirected, one slow receiver delaying no other."""

from __future__ import annotations

import time
import uuid

import asyncpg
import pytest
from servelo_dev.testing import EventPublisher, eventually
from servelo_dev.testing.tenants import Tenant
from standardwebhooks import Webhook, WebhookVerificationError

from .conftest import MakeWebhook, Receiver, Receivers, deliveries_of


async def test_ticket_event_is_delivered_signed(
    tenant: Tenant, receivers: Receivers, webhook: MakeWebhook
) -> None:
    receiver = await receivers()
    hook = await webhook(tenant.admin, url=receiver.url, events=["ticket-created"])
    assert hook["secret"].startswith("whsec_")
    resp = await tenant.admin.post("/api/tickets", json={"title": "Leak"})
    assert resp.status == 201, resp
    await receiver.wait_for(1)
    got = receiver.received[0]
    event = got.verify(hook["secret"])
    assert event["type"] == "ticket-created" and event["source"] == "servelo/tickets"
    assert event["specversion"] == "1.0" and event["datacontenttype"] == "application/json"
    assert event["tenant"] == tenant.org_id
    assert event["data"]["id"] == resp.json["id"]
    assert got.headers["webhook-id"] == event["id"]
    assert abs(int(got.headers["webhook-timestamp"]) - time.time()) < 60
    assert got.headers["Content-Type"] == "application/json"

    async def logged() -> None:
        (delivery,) = await deliveries_of(tenant.admin, hook["id"])
        assert delivery["status"] == "succeeded", delivery
        assert delivery["attempts"] == 1 and delivery["response_status"] == 204
        assert delivery["event_id"] == event["id"] and delivery["type"] == "ticket-created"
        assert delivery["next_attempt_at"] is None and delivery["duration_ms"] >= 0

    await eventually(logged)


async def test_only_the_types_asked_for_are_delivered(
    tenant: Tenant, receivers: Receivers, webhook: MakeWebhook, event_publisher: EventPublisher
) -> None:
    receiver = await receivers()
    await webhook(tenant.admin, url=receiver.url, events=["quote-accepted"])
    for kind in ("quote-sent", "quote-accepted", "quote-declined"):
        await event_publisher.publish("crm", kind, {"id": str(uuid.uuid4())}, tenant=tenant.org_id)
    await receiver.wait_for(1)
    await eventually(lambda: _none_more(receiver, 1), timeout=1)
    assert [r.event["type"] for r in receiver.received] == ["quote-accepted"]


async def _none_more(receiver: Receiver, count: int) -> None:
    assert len(receiver.received) == count


async def test_a_failing_receiver_is_retried_with_backoff_until_it_succeeds(
    tenant: Tenant, receivers: Receivers, webhook: MakeWebhook
) -> None:
    receiver = await receivers(fail=3)
    hook = await webhook(tenant.admin, url=receiver.url)
    test = await tenant.admin.post(f"/api/webhooks/{hook['id']}/test")
    assert test.status == 202 and test.json["status"] == "pending", test
    await receiver.wait_for(4, timeout=30)
    ids = {r.headers["webhook-id"] for r in receiver.received}
    assert ids == {test.json["event_id"]}  # the same id on every retry: receivers dedupe
    for got in receiver.received:
        got.verify(hook["secret"])

    async def succeeded() -> None:
        (delivery,) = await deliveries_of(tenant.admin, hook["id"])
        assert delivery["status"] == "succeeded" and delivery["attempts"] == 4, delivery
        assert delivery["response_status"] == 204 and delivery["error"] is None

    await eventually(succeeded)


async def test_the_delivery_log_shows_a_pending_retry(
    tenant: Tenant, receivers: Receivers, webhook: MakeWebhook
) -> None:
    receiver = await receivers(fail=1000)
    hook = await webhook(tenant.admin, url=receiver.url)
    await tenant.admin.post(f"/api/webhooks/{hook['id']}/test")
    await receiver.wait_for(2, timeout=30)

    async def retrying() -> None:
        (delivery,) = await deliveries_of(tenant.admin, hook["id"])
        assert delivery["status"] == "pending" and delivery["attempts"] >= 1, delivery
        assert delivery["response_status"] == 500 and delivery["error"] == "HTTP 500"
        assert delivery["next_attempt_at"] is not None

    await eventually(retrying)
    assert await deliveries_of(tenant.admin, hook["id"], status="succeeded") == []


async def test_a_redirect_is_not_followed_and_is_a_failure(
    tenant: Tenant, receivers: Receivers, webhook: MakeWebhook
) -> None:
    target = await receivers()
    redirecting = await receivers(redirect_to=target.url)
    hook = await webhook(tenant.admin, url=redirecting.url)
    await tenant.admin.post(f"/api/webhooks/{hook['id']}/test")
    await redirecting.wait_for(2, timeout=30)

    async def failed_attempts() -> None:
        (delivery,) = await deliveries_of(tenant.admin, hook["id"])
        assert delivery["status"] == "pending" and delivery["response_status"] == 307, delivery
        assert delivery["attempts"] >= 1 and delivery["error"] == "HTTP 307"

    await eventually(failed_attempts)
    assert target.received == []


async def test_a_slow_receiver_does_not_delay_a_fast_one(
    tenant: Tenant, receivers: Receivers, webhook: MakeWebhook, event_publisher: EventPublisher
) -> None:
    # Each answer would take 30 s: every attempt runs into the 10 s timeout.
    slow = await receivers(delay=30)
    fast = await receivers()
    await webhook(tenant.admin, url=slow.url, events=["ticket-updated"])
    await webhook(tenant.admin, url=fast.url, events=["ticket-updated"])
    started = time.monotonic()
    for _ in range(12):
        await event_publisher.publish(
            "tickets", "ticket-updated", {"id": str(uuid.uuid4())}, tenant=tenant.org_id
        )
    await fast.wait_for(12, timeout=9)
    # Before the first slow attempts time out, the slow endpoint holds only its own slots.
    assert time.monotonic() - started < 10
    assert len(slow.received) <= 4


async def test_the_test_event_and_a_redelivery(
    tenant: Tenant, receivers: Receivers, webhook: MakeWebhook
) -> None:
    receiver = await receivers()
    hook = await webhook(tenant.admin, url=receiver.url, events=["ticket-created"])
    test = await tenant.admin.post(f"/api/webhooks/{hook['id']}/test")
    assert test.status == 202, test
    assert test.json["type"] == "webhook-test" and test.json["webhook_id"] == hook["id"]
    await receiver.wait_for(1)
    event = receiver.received[0].verify(hook["secret"])
    assert event["type"] == "webhook-test" and event["data"]["id"] == hook["id"]
    assert event["source"] == "servelo/webhooks" and event["tenant"] == tenant.org_id

    delivery_url = f"/api/webhooks/{hook['id']}/deliveries/{test.json['id']}"

    async def succeeded() -> None:
        got = await tenant.admin.get(delivery_url)
        assert got.json["status"] == "succeeded", got

    await eventually(succeeded)
    again = await tenant.admin.post(f"{delivery_url}/redeliver")
    assert again.status == 202 and again.json["status"] == "pending", again
    await receiver.wait_for(2)
    assert receiver.received[1].headers["webhook-id"] == receiver.received[0].headers["webhook-id"]

    async def twice() -> None:
        got = await tenant.admin.get(delivery_url)
        assert got.json["status"] == "succeeded" and got.json["attempts"] == 2, got

    await eventually(twice)
    # Inactive: neither tests nor redeliveries are sent.
    await tenant.admin.put(f"/api/webhooks/{hook['id']}", json={"active": False})
    assert (await tenant.admin.post(f"/api/webhooks/{hook['id']}/test")).status == 409
    assert (await tenant.admin.post(f"{delivery_url}/redeliver")).status == 409


async def test_both_secrets_sign_during_a_rotation(
    tenant: Tenant, receivers: Receivers, webhook: MakeWebhook, db: asyncpg.Connection
) -> None:
    receiver = await receivers()
    hook = await webhook(tenant.admin, url=receiver.url)
    rotated = await tenant.admin.post(f"/api/webhooks/{hook['id']}/rotate-secret")
    assert rotated.status == 200, rotated
    new = rotated.json["secret"]
    assert new.startswith("whsec_") and new != hook["secret"] and rotated.json["id"] == hook["id"]
    await tenant.admin.post(f"/api/webhooks/{hook['id']}/test")
    await receiver.wait_for(1)
    got = receiver.received[0]
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    assert got.verify(new) == got.verify(hook["secret"])

    # 24 hours later (the old secret's end, moved into the past): only the new one signs.
    await db.execute(
        "UPDATE webhooks.endpoint_secrets SET expires_at = now() - interval '1 second'"
        " WHERE endpoint_id = $1::uuid AND expires_at IS NOT NULL",
        hook["id"],
    )
    await tenant.admin.post(f"/api/webhooks/{hook['id']}/test")
    await receiver.wait_for(2)
    later = receiver.received[1]
    assert len(later.headers["webhook-signature"].split(" ")) == 1
    later.verify(new)
    with pytest.raises(WebhookVerificationError, match="signature"):
        later.verify(hook["secret"])
    assert Webhook(new).verify(later.body, later.headers)["type"] == "webhook-test"


async def test_an_endpoint_failing_for_three_days_is_disabled(
    tenant: Tenant, receivers: Receivers, webhook: MakeWebhook, db: asyncpg.Connection
) -> None:
    failing = await receivers(fail=10**6)
    watcher = await receivers()
    hook = await webhook(tenant.admin, url=failing.url, events=["ticket-updated"])
    await webhook(tenant.admin, url=watcher.url, events=["webhook-disabled"])
    await tenant.admin.post(f"/api/webhooks/{hook['id']}/test")
    await failing.wait_for(1)
    # Three days of failures, without the wait: the first failure moved back in time.
    await db.execute(
        "UPDATE webhooks.endpoints SET failing_since = now() - interval '3 days 1 minute'"
        " WHERE id = $1::uuid",
        hook["id"],
    )

    async def disabled() -> None:
        got = await tenant.admin.get(f"/api/webhooks/{hook['id']}")
        assert got.json["active"] is False and got.json["disabled_reason"] == "failing", got

    await eventually(disabled, timeout=15)
    await watcher.wait_for(1, "webhook-disabled")
    event = watcher.of_type("webhook-disabled")[0].event
    assert event["data"]["id"] == hook["id"] and event["data"]["reason"] == "failing"
    (delivery,) = await deliveries_of(tenant.admin, hook["id"])
    assert delivery["status"] == "failed" and delivery["next_attempt_at"] is None

    # Enabled again by an admin: a fresh start.
    again = await tenant.admin.put(f"/api/webhooks/{hook['id']}", json={"active": True})
    assert again.json["active"] is True and again.json["disabled_reason"] is None


async def test_a_delivery_is_given_up_after_the_retry_window(
    tenant: Tenant, receivers: Receivers, webhook: MakeWebhook, db: asyncpg.Connection
) -> None:
    failing = await receivers(fail=10**6)
    hook = await webhook(tenant.admin, url=failing.url)
    test = await tenant.admin.post(f"/api/webhooks/{hook['id']}/test")
    await failing.wait_for(1)
    await db.execute(
        "UPDATE webhooks.deliveries SET retry_from = now() - interval '3 days' WHERE id = $1::uuid",
        test.json["id"],
    )

    async def gave_up() -> None:
        (delivery,) = await deliveries_of(tenant.admin, hook["id"])
        assert delivery["status"] == "failed" and delivery["next_attempt_at"] is None, delivery

    await eventually(gave_up, timeout=15)
    got = await tenant.admin.get(f"/api/webhooks/{hook['id']}")
    assert got.json["active"] is True  # the endpoint has not failed for 3 days


async def test_one_delivery_per_event_id_however_often_it_arrives(
    tenant: Tenant, receivers: Receivers, webhook: MakeWebhook, event_publisher: EventPublisher
) -> None:
    receiver = await receivers()
    hook = await webhook(tenant.admin, url=receiver.url, events=["customer-updated"])
    event_id = str(uuid.uuid4())
    for n in range(3):  # past JetStream's de-duplication: other Nats-Msg-Ids
        await event_publisher.publish(
            "crm",
            "customer-updated",
            {"id": "c1"},
            tenant=tenant.org_id,
            event_id=event_id,
            msg_id=f"{event_id}-{n}",
        )
    await receiver.wait_for(1)
    sentinel = await tenant.admin.post(f"/api/webhooks/{hook['id']}/test")
    await receiver.wait_for(2)
    assert [r.headers["webhook-id"] for r in receiver.received] == [
        event_id,
        sentinel.json["event_id"],
    ]
    assert len(await deliveries_of(tenant.admin, hook["id"])) == 2
