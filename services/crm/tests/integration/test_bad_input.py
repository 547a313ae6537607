"""Hostile or odd input never answers 500."""

from __future__ import annotations

from typing import Any

from servelo_dev.testing.factories import make_customer, make_quote


async def test_nul_characters_are_400_not_500(tenant: Any) -> None:
    resp = await tenant.admin.post("/api/customers", json={"name": "A\u0000B"})
    assert resp.status == 400, resp
    assert "name" in resp.json["errors"]
    client = await make_customer(tenant.admin)
    resp = await tenant.admin.put(f"/api/customers/{client['id']}", json={"notes": "x\u0000"})
    assert resp.status == 400, resp
    resp = await tenant.admin.post(
        "/api/quotes",
        json={
            "customer_id": client["id"],
            "line_items": [{"description": "\u0000", "quantity": "1", "unit_price": "1"}],
        },
    )
    assert resp.status == 400, resp
    resp = await tenant.admin.get("/api/customers", params={"q": "ab\u0000c"})
    assert resp.status == 400, resp


async def test_odd_query_values_are_400(tenant: Any) -> None:
    for params in (
        {"limit": "0"},
        {"limit": "x"},
        {"cursor": "%%%"},
        {"q": "x" * 201},
        {"updated_since": "2024-13-01"},
    ):
        resp = await tenant.admin.get("/api/customers", params=params)
        assert resp.status == 400, (params, resp)
    for params in ({"customer_id": "nope"}, {"status": "open"}):
        resp = await tenant.admin.get("/api/quotes", params=params)
        assert resp.status == 400, (params, resp)


async def test_odd_bodies_are_400(tenant: Any) -> None:
    client = await make_customer(tenant.admin)
    quote = await make_quote(tenant.admin, customer_id=client["id"])
    for path, body in (
        ("/api/customers", [1, 2]),
        ("/api/customers", "x"),
        ("/api/quotes", {"customer_id": client["id"], "valid_until": "2024-02-30"}),
        ("/api/quotes", {"customer_id": client["id"], "line_items": [{}]}),
        ("/api/quotes", {"customer_id": client["id"], "tax_rate": True}),
    ):
        resp = await tenant.admin.post(path, json=body)
        assert resp.status == 400, (path, body, resp)
    for body in (
        {"customer_id": None},
        {"line_items": None},
        {"status": None},
        {"line_items": [{"description": "x", "quantity": 1e400, "unit_price": 1}]},
    ):
        resp = await tenant.admin.put(f"/api/quotes/{quote['id']}", json=body)
        assert resp.status == 400, (body, resp)
