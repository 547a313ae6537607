"""Deleting an org leaves no crm row of it behind."""

from __future__ import annotations

from typing import Any

from servelo_dev.testing.factories import make_customer, make_quote
from servelo_dev.testing.tenants import eventually


async def _crm_rows(db: Any, org_id: str) -> dict[str, int]:
    """Rows of the org in every crm table with an org_id, plus its outbox events."""
    tables = await db.fetch(
        "SELECT table_name FROM information_schema.columns"
        " WHERE table_schema = 'crm' AND column_name = 'org_id'"
    )
    counts = {}
    for t in tables:
        counts[t["table_name"]] = await db.fetchval(
            f'SELECT count(*) FROM crm."{t["table_name"]}" WHERE org_id = $1::uuid', org_id
        )
    counts["outbox"] = await db.fetchval(
        "SELECT count(*) FROM crm.outbox WHERE event->>'tenant' = $1", org_id
    )
    return counts


async def _fill(tenant: Any, publish: Any) -> None:
    await publish(
        "auth",
        "settings-updated",
        {"org_id": tenant.org_id, "settings": {"default_tax_rate": "5"}},
        tenant=tenant.org_id,
    )
    client = await make_customer(tenant.admin)
    quote = await make_quote(tenant.admin, customer_id=client["id"])
    await tenant.admin.post(f"/api/quotes/{quote['id']}/send", headers={"Idempotency-Key": "fill"})


async def test_org_deleted_event_purges_every_crm_row(
    tenant: Any, other_tenant: Any, db: Any, publish: Any
) -> None:
    await _fill(tenant, publish)
    await _fill(other_tenant, publish)
    assert sum((await _crm_rows(db, tenant.org_id)).values()) > 0
    await publish(
        "auth", "org-deleted", {"id": tenant.org_id, "slug": tenant.slug}, tenant=tenant.org_id
    )

    async def purged() -> None:
        counts = await _crm_rows(db, tenant.org_id)
        # Inbox rows too, the org-deleted event's own (a redelivery would purge again).
        assert {k: v for k, v in counts.items() if v} == {}, counts

    await eventually(purged, timeout=15)
    others = await _crm_rows(db, other_tenant.org_id)
    assert others["customers"] == 1 and others["quotes"] == 1


async def test_system_admin_deleting_an_org_purges_its_crm_rows(
    stack: Any, http: Any, tenant: Any, db: Any, publish: Any
) -> None:
    await _fill(tenant, publish)
    sysadmin = await stack.system_admin(http)
    resp = await sysadmin.delete(f"/api/admin/orgs/{tenant.slug}")
    assert resp.status == 200, resp

    async def purged() -> None:
        counts = await _crm_rows(db, tenant.org_id)
        assert {k: v for k, v in counts.items() if v} == {}, counts

    await eventually(purged, timeout=15)
