"""Listing revenue: newest date first, filters, keyset pages announced in `Link`."""

from __future__ import annotations

import uuid
from typing import Any

from servelo_dev.testing.factories import make_revenue
from servelo_dev.testing.pages import walk_pages
from servelo_dev.testing.tenants import eventually

DEFAULTS = {"date": "2026-01-15", "amount": "10.00", "category": "Repairs"}


async def _record(client: Any, **fields: Any) -> dict[str, Any]:
    return await make_revenue(client, **(DEFAULTS | fields))


async def test_revenue_list_filters_by_date_category_customer_and_status(
    tenant: Any, customer: Any
) -> None:
    cust = await customer(tenant)

    async def with_customer() -> dict[str, Any]:
        resp = await tenant.admin.post(
            "/api/revenue",
            json={"date": "2026-02-10", "amount": "30", "category": "Install", "customer_id": cust},
        )
        assert resp.status == 201, resp
        return dict(resp.json)

    b = await eventually(with_customer)
    a = await _record(tenant.admin, date="2026-01-05")
    c = await _record(tenant.admin, date="2026-03-20", status="pending")

    async def ids(**params: str) -> list[str]:
        resp = await tenant.admin.get("/api/revenue", params=params)
        assert resp.status == 200, resp
        return [r["id"] for r in resp.json]

    assert await ids() == [c["id"], b["id"], a["id"]]
    assert await ids(**{"from": "2026-02-10", "to": "2026-03-19"}) == [b["id"]]
    assert await ids(category="Install") == [b["id"]]
    assert await ids(category="install") == []  # exact match, documented
    assert await ids(customer_id=cust) == [b["id"]]
    assert await ids(customer_id=str(uuid.uuid4())) == []
    assert await ids(status="pending") == [c["id"]]
    for bad in (
        {"customer_id": "nope"},
        {"status": "paid"},
        {"from": "2026-13-01"},
        {"from": "2026-04-01", "to": "2026-03-01"},
    ):
        resp = await tenant.admin.get("/api/revenue", params=bad)
        assert resp.status == 400, (bad, resp)
        assert resp.json["errors"]


async def test_revenue_pages_cover_every_entry_once(tenant: Any) -> None:
    made = [await _record(tenant.admin, date=f"2026-01-{day:02d}") for day in (3, 1, 2, 2, 3)]
    expected = [
        e["id"] for e in sorted(made, key=lambda e: (e["date"], uuid.UUID(e["id"])), reverse=True)
    ]
    seen = [r["id"] for r in await walk_pages(tenant.admin, "/api/revenue", {"limit": "2"})]
    assert seen == expected


async def test_list_is_empty_for_a_new_org(tenant: Any) -> None:
    resp = await tenant.admin.get("/api/revenue")
    assert resp.status == 200
    assert resp.json == []
    assert "Link" not in resp.headers
