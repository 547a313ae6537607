"""End to end with auth's real flows: the org currency, and deleting an org."""

from __future__ import annotations

import uuid
from typing import Any

from servelo_dev.testing.tenants import eventually


async def test_currency_set_in_settings_reaches_the_summary(tenant: Any) -> None:
    resp = await tenant.admin.put("/api/settings", json={"currency": "EUR"})
    assert resp.status == 200, resp

    async def euro() -> None:
        resp = await tenant.admin.get("/api/finance/summary")
        assert resp.status == 200
        assert resp.json["currency"] == "EUR"

    await eventually(euro, timeout=10)


async def test_deleting_an_org_purges_its_finance_rows(
    stack: Any, http: Any, tenant: Any, db: Any
) -> None:
    assert (await tenant.admin.post("/api/revenue", json={"amount": "5"})).status == 201
    assert (await tenant.admin.post("/api/expenses", json={"amount": "6"})).status == 201
    org = uuid.UUID(tenant.org_id)
    sysadmin = await stack.system_admin(http)
    resp = await sysadmin.delete(f"/api/admin/orgs/{tenant.slug}")
    assert resp.status == 200, resp

    async def purged() -> None:
        for table in ("revenue", "expenses"):
            count = await db.fetchval(
                f"SELECT count(*) FROM finance.{table} WHERE org_id = $1", org
            )
            assert count == 0, table

    await eventually(purged, timeout=10)
