"""Data finance keeps from others' events: crm customers, the org currency, org purge."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from servelo_dev.testing.tenants import eventually


async def test_deleted_customer_can_no_longer_be_linked(
    tenant: Any, customer: Any, publish: Any, db: Any
) -> None:
    cust = await customer(tenant)

    async def linkable() -> dict[str, Any]:
        resp = await tenant.admin.post("/api/revenue", json={"amount": "9", "customer_id": cust})
        assert resp.status == 201, resp
        return dict(resp.json)

    entry = await eventually(linkable)
    await publish("crm", "customer-deleted", {"id": cust}, tenant=tenant.org_id)

    async def refused() -> None:
        resp = await tenant.admin.post("/api/revenue", json={"amount": "9", "customer_id": cust})
        assert resp.status == 400, resp

    await eventually(refused)
    # The books keep the link, and the entry stays editable.
    resp = await tenant.admin.put(
        f"/api/revenue/{entry['id']}", json={"amount": "10", "customer_id": cust}
    )
    assert resp.status == 200, resp
    assert resp.json["customer_id"] == cust
    # A late `customer-updated` (older than the delete) does not bring it back.
    await publish(
        "crm",
        "customer-updated",
        {"id": cust, "name": "Late", "email": None, "phone": None},
        tenant=tenant.org_id,
        time=datetime.now(UTC) - timedelta(minutes=5),
    )
    marker = await publish(
        "crm", "customer-created", {"id": str(uuid.uuid4()), "name": "x"}, tenant=tenant.org_id
    )

    async def marker_handled() -> None:
        # One consumer handles finance's events in stream order: the late update came first.
        assert (
            await db.fetchval(
                "SELECT count(*) FROM finance.inbox WHERE event_id = $1", uuid.UUID(marker)
            )
            == 1
        )

    await eventually(marker_handled)
    await refused()


async def test_summary_uses_the_org_currency_from_settings(tenant: Any, publish: Any) -> None:
    resp = await tenant.admin.get("/api/finance/summary")
    assert resp.json["currency"] == "USD"
    await publish(
        "auth",
        "settings-updated",
        {"org_id": tenant.org_id, "settings": {"currency": "EUR", "default_tax_rate": "20"}},
        tenant=tenant.org_id,
    )

    async def euro() -> None:
        resp = await tenant.admin.get("/api/finance/summary")
        assert resp.json["currency"] == "EUR"

    await eventually(euro)


async def test_org_deleted_purges_every_finance_row_of_that_org(
    tenant: Any, other_tenant: Any, customer: Any, publish: Any, db: Any
) -> None:
    await customer(tenant)
    await tenant.admin.post("/api/revenue", json={"amount": "5"}, headers={"Idempotency-Key": "k1"})
    await tenant.admin.post("/api/expenses", json={"amount": "5"})
    await publish(
        "crm",
        "quote-accepted",
        {
            "id": str(uuid.uuid4()),
            "number": 1,
            "customer_id": None,
            "total": "50.00",
            "accepted_at": "2026-01-01T00:00:00Z",
        },
        tenant=tenant.org_id,
    )
    await publish("auth", "settings-updated", {"currency": "GBP"}, tenant=tenant.org_id)
    kept = await other_tenant.admin.post("/api/expenses", json={"amount": "7"})
    org = uuid.UUID(tenant.org_id)
    tables = ("revenue", "expenses", "customers", "org_settings", "idempotency_keys")

    async def counts() -> dict[str, int]:
        return {
            t: await db.fetchval(f"SELECT count(*) FROM finance.{t} WHERE org_id = $1", org)
            for t in tables
        }

    async def all_there() -> None:
        assert all((await counts()).values()), await counts()

    await eventually(all_there, timeout=10)
    await publish(
        "auth", "org-deleted", {"id": tenant.org_id, "slug": tenant.slug}, tenant=tenant.org_id
    )

    async def purged() -> None:
        assert not any((await counts()).values()), await counts()

    await eventually(purged, timeout=10)
    assert (
        await db.fetchval(
            "SELECT count(*) FROM finance.inbox WHERE org_id = $1 AND type <> 'org-deleted'", org
        )
        == 0
    )
    assert (await other_tenant.admin.get(f"/api/expenses/{kept.json['id']}")).status == 200
