"""End to end with the real crm service (skipped unless crm is in SERVELO_TEST_SERVICES)."""

from __future__ import annotations

from typing import Any

import pytest
from servelo_dev.testing.tenants import eventually


@pytest.fixture
def crm(stack: Any) -> None:
    if "crm" not in stack.services:
        pytest.skip("crm is not running in this session")


@pytest.mark.usefixtures("crm")
async def test_crm_customer_and_accepted_quote_reach_finance(tenant: Any) -> None:
    resp = await tenant.admin.post("/api/customers", json={"name": "Jane Doe"})
    assert resp.status == 201, resp
    customer_id = resp.json["id"]

    async def linked() -> None:
        resp = await tenant.admin.post(
            "/api/revenue", json={"amount": "12.00", "customer_id": customer_id}
        )
        assert resp.status == 201, resp

    await eventually(linked, timeout=10)
    resp = await tenant.admin.post(
        "/api/quotes",
        json={
            "customer_id": customer_id,
            "tax_rate": "10",
            "line_items": [{"description": "Boiler", "quantity": "2", "unit_price": "50.00"}],
        },
    )
    assert resp.status == 201, resp
    quote = resp.json
    for status in ("sent", "accepted"):
        resp = await tenant.admin.put(f"/api/quotes/{quote['id']}", json={"status": status})
        assert resp.status == 200, resp

    async def booked() -> dict[str, Any]:
        resp = await tenant.admin.get("/api/revenue", params={"customer_id": customer_id})
        entries = [r for r in resp.json if r["quote_id"] == quote["id"]]
        assert len(entries) == 1, resp.json
        return dict(entries[0])

    entry = await eventually(booked, timeout=10)
    assert entry["amount"] == quote["total"] == "110.00"
    assert entry["status"] == "pending"
    assert entry["description"] == f"Quote #{quote['number']}"
