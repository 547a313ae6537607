"""Revenue entries through the gateway: create, read, update, delete, validation."""

from __future__ import annotations

import uuid
from typing import Any

from servelo_dev.testing.checks import read_back
from servelo_dev.testing.factories import make_revenue
from servelo_dev.testing.tenants import eventually

DEFAULTS = {"date": "2026-01-15", "amount": "150.00", "category": "Repairs"}


async def _record(client: Any, **fields: Any) -> dict[str, Any]:
    return await make_revenue(client, **(DEFAULTS | fields))


async def test_revenue_entry_round_trips_with_money_as_strings(tenant: Any) -> None:
    created = await _record(tenant.admin, amount=99.9, description="Boiler fix")
    assert created["amount"] == "99.90"
    assert created["date"] == "2026-01-15"
    assert created["status"] == "received"
    assert created["quote_id"] is None and created["customer_id"] is None
    assert created["created_at"].endswith("Z") and created["updated_at"].endswith("Z")
    await read_back(tenant.admin, f"/api/revenue/{created['id']}", created)


async def test_any_role_records_and_updates_revenue(tenant: Any) -> None:
    tech = await tenant.create_user(role="technician")
    created = await _record(tech)
    resp = await tech.put(
        f"/api/revenue/{created['id']}",
        json={"amount": "200", "category": " Service ", "status": "pending"},
    )
    assert resp.status == 200, resp
    assert resp.json["amount"] == "200.00"
    assert resp.json["category"] == "Service"
    assert resp.json["status"] == "pending"
    assert resp.json["date"] == "2026-01-15"  # fields not sent stay as they were
    assert resp.json["description"] == created["description"]


async def test_technician_cannot_delete_revenue(tenant: Any) -> None:
    created = await _record(tenant.admin)
    tech = await tenant.create_user(role="technician")
    resp = await tech.delete(f"/api/revenue/{created['id']}")
    assert resp.status == 403
    assert resp.json["error"] == "Forbidden"
    assert (await tenant.admin.get(f"/api/revenue/{created['id']}")).status == 200


async def test_admin_deletes_revenue_then_it_is_gone(tenant: Any) -> None:
    created = await _record(tenant.admin)
    resp = await tenant.admin.delete(f"/api/revenue/{created['id']}")
    assert resp.status == 200
    assert "message" in resp.json
    assert (await tenant.admin.get(f"/api/revenue/{created['id']}")).status == 404
    assert (await tenant.admin.delete(f"/api/revenue/{created['id']}")).status == 404


async def test_invalid_revenue_input_is_400_with_field_errors(tenant: Any) -> None:
    for body, field in [
        ({"amount": "0", "date": "2026-01-01"}, "amount"),
        ({"amount": "-10.00", "date": "2026-01-01"}, "amount"),
        ({"amount": "1.005", "date": "2026-01-01"}, "amount"),
        ({"amount": "10", "date": "2026-02-30"}, "date"),
        ({"amount": "10", "date": "15/01/2026"}, "date"),
        ({"amount": "10", "category": "x" * 101}, "category"),
        ({"amount": "10", "status": "paid"}, "status"),
    ]:
        resp = await tenant.admin.post("/api/revenue", json=body)
        assert resp.status == 400, (body, resp)
        assert field in resp.json["errors"], (body, resp)
    created = await _record(tenant.admin)
    resp = await tenant.admin.put(f"/api/revenue/{created['id']}", json={"amount": 0})
    assert resp.status == 400
    assert "amount" in resp.json["errors"]
    resp = await tenant.admin.post(
        "/api/revenue", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert resp.status == 400


async def test_unknown_or_non_uuid_revenue_id_is_404(tenant: Any) -> None:
    assert (await tenant.admin.get(f"/api/revenue/{uuid.uuid4()}")).status == 404
    assert (await tenant.admin.get("/api/revenue/not-a-uuid")).status == 404
    assert (await tenant.admin.put(f"/api/revenue/{uuid.uuid4()}", json={})).status == 404


async def test_quote_id_cannot_be_set_by_hand(tenant: Any) -> None:
    created = await _record(tenant.admin, quote_id=str(uuid.uuid4()))
    assert created["quote_id"] is None
    resp = await tenant.admin.put(
        f"/api/revenue/{created['id']}", json={"quote_id": str(uuid.uuid4())}
    )
    assert resp.json["quote_id"] is None


async def test_customer_id_must_be_a_known_customer_of_the_org(
    tenant: Any, other_tenant: Any, customer: Any
) -> None:
    mine = await customer(tenant)
    theirs = await customer(other_tenant)

    async def linked() -> dict[str, Any]:
        resp = await tenant.admin.post("/api/revenue", json={"amount": "5", "customer_id": mine})
        assert resp.status == 201, resp
        return dict(resp.json)

    entry = await eventually(linked)
    assert entry["customer_id"] == mine
    for unknown in (theirs, str(uuid.uuid4())):
        resp = await tenant.admin.post("/api/revenue", json={"amount": "5", "customer_id": unknown})
        assert resp.status == 400, resp
        assert "customer_id" in resp.json["errors"]
        resp = await tenant.admin.put(f"/api/revenue/{entry['id']}", json={"customer_id": unknown})
        assert resp.status == 400


async def test_stale_if_match_is_refused(tenant: Any) -> None:
    created = await _record(tenant.admin)
    etag = (await tenant.admin.get(f"/api/revenue/{created['id']}")).headers["ETag"]
    first = await tenant.admin.put(
        f"/api/revenue/{created['id']}", json={"amount": "2"}, headers={"If-Match": etag}
    )
    assert first.status == 200
    stale = await tenant.admin.put(
        f"/api/revenue/{created['id']}", json={"amount": "3"}, headers={"If-Match": etag}
    )
    assert stale.status == 412


async def test_idempotency_key_replays_the_first_revenue_entry(tenant: Any) -> None:
    body = {"amount": "75.00", "date": "2026-02-01"}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await tenant.admin.post("/api/revenue", json=body, headers=key)
    again = await tenant.admin.post("/api/revenue", json=body, headers=key)
    assert first.status == again.status == 201
    assert first.json["id"] == again.json["id"]
    listed = await tenant.admin.get("/api/revenue")
    assert [r["id"] for r in listed.json] == [first.json["id"]]
