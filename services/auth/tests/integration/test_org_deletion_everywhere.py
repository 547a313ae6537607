"""Deleting an org removes every row of it in every service (each purges on `org-deleted`)."""

import uuid
from typing import Any

import aiohttp
import asyncpg
import pytest
from servelo_dev.testing import eventually
from servelo_dev.testing.events import EventPublisher, assert_consumers_idle
from servelo_dev.testing.plugin import TestStack
from servelo_dev.testing.tenants import Tenant

ALL = {"auth", "tickets", "crm", "finance", "team", "webhooks"}


async def rows_of_org(db: Any, org_id: str) -> dict[str, int]:
    """Every table with an org_id column in every service schema, and its rows of the org."""
    tables = await db.fetch(
        "SELECT table_schema, table_name FROM information_schema.columns"
        " WHERE column_name = 'org_id' AND table_schema = ANY($1::text[])",
        sorted(ALL),
    )
    counts = {}
    for t in tables:
        name = f'"{t["table_schema"]}"."{t["table_name"]}"'
        counts[name] = await db.fetchval(
            f"SELECT count(*) FROM {name} WHERE org_id = $1::uuid", org_id
        )
    return counts


async def test_deleted_org_leaves_zero_rows_in_every_schema(
    stack: Any, http: Any, tenant: Any, db: Any
) -> None:
    if not set(stack.services) >= ALL:
        pytest.skip("needs every service running")
    admin = tenant.admin
    tech = await tenant.create_user(role="technician")
    customer = (
        await admin.post("/api/customers", json={"name": "Ada", "email": "ada@example.com"})
    ).json
    assert (
        await admin.post(
            "/api/quotes",
            json={
                "customer_id": customer["id"],
                "tax_rate": "8.25",
                "line_items": [{"description": "Work", "quantity": "1", "unit_price": "10.00"}],
            },
        )
    ).status == 201
    assert (await admin.post("/api/tickets", json={"title": "Leak"})).status == 201
    assert (
        await admin.post(
            "/api/revenue", json={"amount": "10.00", "date": "2026-01-05", "category": "Work"}
        )
    ).status == 201
    assert (
        await admin.post(
            "/api/expenses", json={"amount": "4.00", "date": "2026-01-05", "category": "Parts"}
        )
    ).status == 201
    role = (await admin.post("/api/roles", json={"name": "Plumber"})).json
    assert (
        await admin.post(
            "/api/team-members", json={"name": "Bo", "role_id": role["id"], "hourly_rate": "50.00"}
        )
    ).status == 201
    assert (await tech.get("/api/auth/me")).status == 200

    before = await rows_of_org(db, tenant.org_id)
    for schema in ALL:
        assert sum(n for t, n in before.items() if t.startswith(f'"{schema}"')) > 0, schema

    sysadmin = await stack.system_admin(http)
    resp = await sysadmin.delete(f"/api/admin/orgs/{tenant.slug}")
    assert resp.status == 200, resp

    async def purged_everywhere() -> None:
        left = {t: n for t, n in (await rows_of_org(db, tenant.org_id)).items() if n}
        assert left == {}

    await eventually(purged_everywhere, timeout=15)

    async def gone_at_the_gateway() -> None:
        assert (await admin.get("/api/auth/me")).status in (401, 404)

    await eventually(gone_at_the_gateway, timeout=5)


async def test_late_events_for_a_deleted_org_leave_zero_rows(
    stack: TestStack,
    http: aiohttp.ClientSession,
    tenant: Tenant,
    db: asyncpg.Connection,
    event_publisher: EventPublisher,
) -> None:
    """Events about the org published after its deletion (another service's outbox, a
    replay) reach every consumer of every service and recreate nothing."""
    if not set(stack.services) >= ALL:
        pytest.skip("needs every service running")
    org = tenant.org_id
    sysadmin = await stack.system_admin(http)
    assert (await sysadmin.delete(f"/api/admin/orgs/{tenant.slug}")).status == 200

    async def tombstoned_everywhere() -> None:
        for schema in sorted(ALL):
            found = await db.fetchval(
                f"SELECT count(*) FROM {schema}.org_tombstones WHERE id = $1::uuid", org
            )
            assert found == 1, schema

    await eventually(tombstoned_everywhere, timeout=15)

    user = {
        "id": str(uuid.uuid4()),
        "org_id": org,
        "name": "Late",
        "email": "late@example.com",
        "role": "technician",
        "active": True,
        "status": "active",
    }
    customer = {"id": str(uuid.uuid4()), "name": "Late Ltd", "email": "l@example.com"}
    quote = {
        "id": str(uuid.uuid4()),
        "number": 7,
        "customer_id": customer["id"],
        "status": "accepted",
        "total": "110.00",
    }
    late: list[tuple[str, str, dict[str, Any]]] = [
        ("auth", "user-created", user),
        ("auth", "user-invited", user),
        ("auth", "user-updated", user),
        ("auth", "user-activated", user),
        ("auth", "settings-updated", {"org_id": org, "settings": {"currency": "EUR"}}),
        ("crm", "customer-created", customer),
        ("crm", "customer-updated", customer),
        ("crm", "quote-accepted", quote),
    ]
    for source, kind, data in late:
        await event_publisher.publish(source, kind, data, tenant=org)

    async def all_handled() -> None:
        await assert_consumers_idle(event_publisher.nc, services=ALL)

    await eventually(all_handled, timeout=15)
    left = {t: n for t, n in (await rows_of_org(db, org)).items() if n}
    assert left == {}
