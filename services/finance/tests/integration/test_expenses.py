"""Expense entries through the gateway: CRUD, filters, keyset pages, admin-only delete."""

from __future__ import annotations

import uuid
from typing import Any

from servelo_dev.testing.factories import make_expense
from servelo_dev.testing.pages import walk_pages

DEFAULTS = {"date": "2026-03-10", "amount": "40.00", "category": "Fuel", "vendor": "Shell"}


async def _spend(client: Any, **fields: Any) -> dict[str, Any]:
    return await make_expense(client, **(DEFAULTS | fields))


async def test_expense_round_trips_and_updates_only_sent_fields(tenant: Any) -> None:
    created = await _spend(tenant.admin, description="Van", amount="12.5")
    assert created["amount"] == "12.50"
    assert created["vendor"] == "Shell"
    assert (await tenant.admin.get(f"/api/expenses/{created['id']}")).json == created
    resp = await tenant.admin.put(
        f"/api/expenses/{created['id']}", json={"vendor": None, "date": "2026-03-11"}
    )
    assert resp.status == 200, resp
    assert resp.json["vendor"] is None
    assert resp.json["date"] == "2026-03-11"
    assert resp.json["amount"] == "12.50"
    assert resp.json["updated_at"] >= created["updated_at"]


async def test_invalid_expense_input_is_400(tenant: Any) -> None:
    for body, field in [
        ({"amount": "0"}, "amount"),
        ({"amount": -3}, "amount"),
        ({"amount": "5", "date": "2026-1-5"}, "date"),
        ({"amount": "5", "vendor": "v" * 201}, "vendor"),
    ]:
        resp = await tenant.admin.post("/api/expenses", json=body)
        assert resp.status == 400, (body, resp)
        assert field in resp.json["errors"]
    created = await _spend(tenant.admin)
    resp = await tenant.admin.put(f"/api/expenses/{created['id']}", json={"date": "yesterday"})
    assert resp.status == 400


async def test_technician_cannot_delete_an_expense_but_admin_can(tenant: Any) -> None:
    created = await _spend(tenant.admin)
    tech = await tenant.create_user(role="technician")
    refused = await tech.delete(f"/api/expenses/{created['id']}")
    assert refused.status == 403
    assert refused.json["error"] == "Forbidden"
    assert (await tenant.admin.delete(f"/api/expenses/{created['id']}")).status == 200
    assert (await tenant.admin.get(f"/api/expenses/{created['id']}")).status == 404


async def test_expense_list_filters_by_dates_category_and_vendor(tenant: Any) -> None:
    jan = await _spend(tenant.admin, date="2026-01-31", category="Fuel")
    feb = await _spend(tenant.admin, date="2026-02-01", category="Tools", vendor="Acme")
    mar = await _spend(tenant.admin, date="2026-03-01", category="Fuel")

    async def ids(**params: str) -> list[str]:
        resp = await tenant.admin.get("/api/expenses", params=params)
        assert resp.status == 200, resp
        return [e["id"] for e in resp.json]

    assert await ids() == [mar["id"], feb["id"], jan["id"]]
    assert await ids(**{"from": "2026-02-01"}) == [mar["id"], feb["id"]]
    assert await ids(to="2026-02-01") == [feb["id"], jan["id"]]
    assert await ids(**{"from": "2026-02-01", "to": "2026-02-28"}) == [feb["id"]]
    assert await ids(category="Fuel") == [mar["id"], jan["id"]]
    assert await ids(vendor="Acme") == [feb["id"]]
    bad = await tenant.admin.get("/api/expenses", params={"from": "2026-03-01", "to": "2026-01-01"})
    assert bad.status == 400
    assert (await tenant.admin.get("/api/expenses", params={"to": "March"})).status == 400


async def test_expense_pages_follow_link_in_date_then_id_order(tenant: Any) -> None:
    # Same-date entries exercise the id tiebreak of the keyset.
    made = [
        await _spend(tenant.admin, date=d)
        for d in ("2026-01-01", "2026-01-02", "2026-01-02", "2026-01-02", "2026-01-03")
    ]
    expected = [
        e["id"] for e in sorted(made, key=lambda e: (e["date"], uuid.UUID(e["id"])), reverse=True)
    ]
    seen = [e["id"] for e in await walk_pages(tenant.admin, "/api/expenses", {"limit": "2"})]
    assert seen == expected
    assert (await tenant.admin.get("/api/expenses", params={"cursor": "junk"})).status == 400
    assert (await tenant.admin.get("/api/expenses", params={"limit": "0"})).status == 400
