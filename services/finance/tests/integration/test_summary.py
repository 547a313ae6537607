"""`GET /api/finance/summary`: sums per month or category that match the entries."""

from __future__ import annotations

from typing import Any

import pytest


async def _seed(client: Any) -> None:
    revenue = [
        ("2026-01-05", "100.00", "Repairs", "received"),
        ("2026-01-20", "0.10", "Repairs", "received"),
        ("2026-03-02", "250.00", "Installs", "received"),
        ("2026-03-15", "80.00", "Quotes", "pending"),
    ]
    for day, amount, category, status in revenue:
        resp = await client.post(
            "/api/revenue",
            json={"date": day, "amount": amount, "category": category, "status": status},
        )
        assert resp.status == 201, resp
    for day, amount, category in [
        ("2026-01-10", "40.00", "Fuel"),
        ("2026-01-31", "0.20", "Fuel"),
        ("2026-03-31", "300.00", "Repairs"),
        ("2026-05-01", "999.00", "Fuel"),
    ]:
        resp = await client.post(
            "/api/expenses", json={"date": day, "amount": amount, "category": category}
        )
        assert resp.status == 201, resp


def _money(group: dict[str, Any]) -> tuple[str, str, str, str]:
    return group["revenue"], group["pending_revenue"], group["expenses"], group["profit"]


async def test_monthly_summary_lists_every_month_with_exact_sums(tenant: Any) -> None:
    await _seed(tenant.admin)
    resp = await tenant.admin.get(
        "/api/finance/summary",
        params={"from": "2026-01-01", "to": "2026-04-30", "group_by": "month"},
    )
    assert resp.status == 200, resp
    body = resp.json
    assert body["currency"] == "USD"
    assert (body["from"], body["to"], body["group_by"]) == ("2026-01-01", "2026-04-30", "month")
    assert [(g["period"], *_money(g)) for g in body["groups"]] == [
        ("2026-01", "100.10", "0.00", "40.20", "59.90"),
        ("2026-02", "0.00", "0.00", "0.00", "0.00"),
        ("2026-03", "250.00", "80.00", "300.00", "-50.00"),
        ("2026-04", "0.00", "0.00", "0.00", "0.00"),
    ]
    assert _money(body["totals"]) == ("350.10", "80.00", "340.20", "9.90")


async def test_category_summary_groups_both_tables_by_category(tenant: Any) -> None:
    await _seed(tenant.admin)
    resp = await tenant.admin.get("/api/finance/summary", params={"group_by": "category"})
    assert resp.status == 200, resp
    assert resp.json["from"] is None and resp.json["to"] is None
    assert {g["category"]: _money(g) for g in resp.json["groups"]} == {
        "Fuel": ("0.00", "0.00", "1039.20", "-1039.20"),
        "Installs": ("250.00", "0.00", "0.00", "250.00"),
        "Quotes": ("0.00", "80.00", "0.00", "0.00"),
        "Repairs": ("100.10", "0.00", "300.00", "-199.90"),
    }
    assert _money(resp.json["totals"]) == ("350.10", "80.00", "1339.20", "-989.10")


async def test_summary_without_range_spans_the_months_that_have_entries(tenant: Any) -> None:
    await _seed(tenant.admin)
    resp = await tenant.admin.get("/api/finance/summary")
    assert [g["period"] for g in resp.json["groups"]] == [
        "2026-01",
        "2026-02",
        "2026-03",
        "2026-04",
        "2026-05",
    ]
    assert resp.json["totals"]["expenses"] == "1339.20"


async def test_summary_reflects_updates_and_deletes(tenant: Any) -> None:
    resp = await tenant.admin.post("/api/expenses", json={"date": "2026-06-01", "amount": "5"})
    entry = resp.json["id"]
    await tenant.admin.put(f"/api/expenses/{entry}", json={"amount": "7.25"})
    params = {"from": "2026-06-01", "to": "2026-06-30"}
    resp = await tenant.admin.get("/api/finance/summary", params=params)
    assert resp.json["groups"][0]["expenses"] == "7.25"
    await tenant.admin.delete(f"/api/expenses/{entry}")
    resp = await tenant.admin.get("/api/finance/summary", params=params)
    assert resp.json["totals"]["expenses"] == "0.00"


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-02-30"},
        {"to": "01-01-2026"},
        {"from": "2026-03-01", "to": "2026-02-01"},
        {"group_by": "week"},
    ],
)
async def test_bad_summary_query_is_400(tenant: Any, params: dict[str, str]) -> None:
    resp = await tenant.admin.get("/api/finance/summary", params=params)
    assert resp.status == 400, resp
    assert resp.json["errors"]


async def test_sums_past_one_entrys_largest_amount_are_exact_not_500(tenant: Any) -> None:
    """Found by the contract run: sums were cast to numeric(14,2), so two entries of the
    largest amount overflowed in Postgres (500)."""
    largest = "999999999999.99"
    for _ in range(2):
        resp = await tenant.admin.post(
            "/api/revenue", json={"date": "2026-01-05", "amount": largest}
        )
        assert resp.status == 201, resp
    resp = await tenant.admin.get("/api/finance/summary", params={"group_by": "month"})
    assert resp.status == 200, resp
    assert resp.json["totals"]["revenue"] == "1999999999999.98"
