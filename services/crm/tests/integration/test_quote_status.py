"""Quote lifecycle through the gateway: status rules, editing rules, roles, tenants, ETags."""

from __future__ import annotations

from typing import Any

import nats
import orjson
from servelo_dev.testing.checks import assert_hidden
from servelo_dev.testing.factories import make_customer, make_quote
from servelo_dev.testing.tenants import eventually


def lines(*items: tuple[str, str]) -> list[dict[str, str]]:
    return [
        {"description": f"Item {i}", "quantity": q, "unit_price": p}
        for i, (q, p) in enumerate(items, 1)
    ]


async def test_lines_of_a_sent_quote_cannot_change(tenant: Any) -> None:
    client = await make_customer(tenant.admin)
    quote = await make_quote(tenant.admin, customer_id=client["id"])
    path = f"/api/quotes/{quote['id']}"
    sent = await tenant.admin.put(path, json={"status": "sent"})
    assert sent.status == 200, sent
    assert sent.json["status"] == "sent" and sent.json["sent_at"].endswith("Z")
    resp = await tenant.admin.put(path, json={"line_items": lines(("1", "1.00"))})
    assert resp.status == 409, resp
    assert "only draft quotes can be edited" in resp.json["error"]
    resp = await tenant.admin.put(path, json={"tax_rate": "20"})
    assert resp.status == 409
    # Sending the unchanged lines back with a status change is fine.
    resp = await tenant.admin.put(
        path, json={"line_items": quote["line_items"], "status": "accepted"}
    )
    assert resp.status == 200, resp
    assert resp.json["status"] == "accepted" and resp.json["accepted_at"]


async def test_status_transitions_and_refusals(tenant: Any) -> None:
    client = await make_customer(tenant.admin)
    quote = await make_quote(tenant.admin, customer_id=client["id"])
    path = f"/api/quotes/{quote['id']}"
    refused = await tenant.admin.put(path, json={"status": "accepted"})
    assert refused.status == 409
    assert "is draft and cannot become accepted" in refused.json["error"]
    assert (await tenant.admin.put(path, json={"status": "sent"})).status == 200
    assert (await tenant.admin.put(path, json={"status": "draft"})).status == 409
    declined = await tenant.admin.put(path, json={"status": "declined"})
    assert declined.status == 200 and declined.json["declined_at"]
    for status in ("accepted", "sent", "draft"):
        assert (await tenant.admin.put(path, json={"status": status})).status == 409
    assert (await tenant.admin.put(path, json={"status": "won"})).status == 400
    assert (await tenant.admin.get(path)).json["status"] == "declined"


async def test_expired_quote_is_accepted_only_after_extending_it(tenant: Any) -> None:
    client = await make_customer(tenant.admin)
    quote = await make_quote(tenant.admin, customer_id=client["id"], valid_until="2020-01-31")
    path = f"/api/quotes/{quote['id']}"
    await tenant.admin.put(path, json={"status": "sent"})
    resp = await tenant.admin.put(path, json={"status": "accepted"})
    assert resp.status == 409
    assert "expired on 2020-01-31" in resp.json["error"]
    resp = await tenant.admin.put(path, json={"status": "accepted", "valid_until": "2999-12-31"})
    assert resp.status == 200, resp
    assert resp.json["valid_until"] == "2999-12-31"


async def test_technician_cannot_delete_a_quote(tenant: Any) -> None:
    tech = await tenant.create_user(role="technician")
    client = await make_customer(tech)
    quote = await make_quote(tech, customer_id=client["id"])
    assert (await tech.put(f"/api/quotes/{quote['id']}", json={"notes": "ok"})).status == 200
    resp = await tech.delete(f"/api/quotes/{quote['id']}")
    assert resp.status == 403
    assert (await tenant.admin.delete(f"/api/quotes/{quote['id']}")).status == 200
    assert (await tenant.admin.get(f"/api/quotes/{quote['id']}")).status == 404


async def test_other_tenant_quote_is_404_on_every_route(tenant: Any, other_tenant: Any) -> None:
    theirs = await make_quote(
        other_tenant.admin, customer_id=(await make_customer(other_tenant.admin))["id"]
    )
    path = f"/api/quotes/{theirs['id']}"
    await assert_hidden(tenant.admin, path, change={"status": "sent"})
    assert (await tenant.admin.post(f"{path}/send")).status == 404
    listed = await tenant.admin.get("/api/quotes")
    assert listed.json == []
    by_client = await tenant.admin.get("/api/quotes", params={"customer_id": theirs["customer_id"]})
    assert by_client.status == 200 and by_client.json == []
    assert (await other_tenant.admin.get(path)).json["status"] == "draft"


async def test_stale_if_match_on_quote_is_412(tenant: Any) -> None:
    client = await make_customer(tenant.admin)
    quote = await make_quote(tenant.admin, customer_id=client["id"])
    path = f"/api/quotes/{quote['id']}"
    etag = (await tenant.admin.get(path)).headers["ETag"]
    ok = await tenant.admin.put(path, json={"notes": "v2"}, headers={"If-Match": etag})
    assert ok.status == 200
    assert ok.headers["ETag"] != etag
    for resp in (
        await tenant.admin.put(path, json={"notes": "v3"}, headers={"If-Match": etag}),
        await tenant.admin.post(f"{path}/send", headers={"If-Match": etag}),
        await tenant.admin.delete(path, headers={"If-Match": etag}),
    ):
        assert resp.status == 412, resp
    assert (await tenant.admin.get(path)).json["notes"] == "v2"
    resp = await tenant.admin.delete(path, headers={"If-Match": ok.headers["ETag"]})
    assert resp.status == 200


async def test_accepting_publishes_quote_accepted_for_finance(stack: Any, tenant: Any) -> None:
    nc = await nats.connect(stack.nats_url)
    seen: list[dict[str, Any]] = []

    async def collect(msg: Any) -> None:
        event = orjson.loads(msg.data)
        if event["tenant"] == tenant.org_id:
            seen.append(event)

    await nc.subscribe("servelo.events.crm.>", cb=collect)
    try:
        client = await make_customer(tenant.admin)
        quote = await make_quote(tenant.admin, customer_id=client["id"], tax_rate="8.25")
        path = f"/api/quotes/{quote['id']}"
        await tenant.admin.patch(path, json={"status": "sent"})
        accepted = (await tenant.admin.patch(path, json={"status": "accepted"})).json

        async def published() -> None:
            types = [e["type"] for e in seen]
            assert "quote-accepted" in types, types

        await eventually(published, timeout=10)
    finally:
        await nc.close()
    types = [e["type"] for e in seen]
    assert types == [
        "customer-created",
        "quote-created",
        "quote-updated",
        "quote-sent",
        "quote-updated",
        "quote-accepted",
    ]
    event = seen[-1]
    assert event["source"] == "servelo/crm" and event["subject"] == quote["id"]
    assert event["data"] == {
        "id": quote["id"],
        "number": quote["number"],
        "customer_id": client["id"],
        "subtotal": "100.00",
        "tax": "8.25",
        "total": "108.25",
        "accepted_at": accepted["accepted_at"],
    }
