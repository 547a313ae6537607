"""Another tenant's entries answer 404 on every route and never show in lists or sums."""

from __future__ import annotations

from typing import Any

import pytest
from servelo_dev.testing.checks import assert_hidden


@pytest.mark.parametrize("path", ["/api/revenue", "/api/expenses"])
async def test_other_tenant_entry_is_404_on_every_route(
    tenant: Any, other_tenant: Any, path: str
) -> None:
    resp = await tenant.admin.post(path, json={"date": "2026-01-01", "amount": "10.00"})
    assert resp.status == 201
    entry = f"{path}/{resp.json['id']}"
    intruder = other_tenant.admin
    await assert_hidden(intruder, entry, change={"amount": "1.00"})
    assert (await intruder.patch(entry, json={"amount": "1.00"})).status == 404
    assert (await intruder.get(path)).json == []
    summary = await intruder.get("/api/finance/summary")
    assert summary.json["totals"]["revenue"] == "0.00"
    assert summary.json["totals"]["expenses"] == "0.00"
    # Untouched for its owner.
    mine = await tenant.admin.get(entry)
    assert mine.status == 200
    assert mine.json["amount"] == "10.00"


async def test_finance_routes_need_a_signed_in_user(tenant: Any) -> None:
    for path in ("/api/revenue", "/api/expenses", "/api/finance/summary"):
        assert (await tenant.anon.get(path)).status == 401
    assert (await tenant.anon.post("/api/revenue", json={"amount": "1"})).status == 401
