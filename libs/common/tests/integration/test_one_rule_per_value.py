"""One rule per kind of value, through the gateway, in every service (CONTRACT.md, Shapes):
an email valid for a user is valid for a client and an org's admin; phones and dates alike."""

from __future__ import annotations

import secrets
from typing import Any

import aiohttp
from servelo_dev.testing.tenants import Tenant


async def test_a_test_domain_address_is_valid_for_users_clients_and_org_admins(
    stack: Any, http: aiohttp.ClientSession, tenant: Tenant
) -> None:
    user = await tenant.admin.post(
        "/api/users/invite", json={"email": "Owner@Acme.TEST", "name": "Owner", "role": "manager"}
    )
    assert user.status == 201, user
    assert user.json["email"] == "owner@acme.test"
    client = await tenant.admin.post(
        "/api/customers", json={"name": "Jane", "email": "Jane@Client.TEST"}
    )
    assert client.status == 201, client
    assert client.json["email"] == "jane@client.test"
    sysadmin = await stack.system_admin(http)
    slug = "rules-" + secrets.token_hex(4)
    org = await sysadmin.post(
        "/api/admin/orgs",
        json={"slug": slug, "name": "R", "admin": {"email": "boss@rules.test", "name": "B"}},
    )
    assert org.status == 201, org


async def test_a_bad_address_is_refused_the_same_way_everywhere(tenant: Tenant) -> None:
    for bad in ("not-an-email", "a@b", "a b@c.test", "a@@c.test"):
        user = await tenant.admin.post(
            "/api/users/invite", json={"email": bad, "name": "X", "role": "manager"}
        )
        client = await tenant.admin.post("/api/customers", json={"name": "X", "email": bad})
        assert user.status == client.status == 400, (bad, user, client)
        assert user.json["errors"]["email"] == client.json["errors"]["email"]


async def test_a_phone_is_stored_alike_for_users_and_clients(tenant: Tenant) -> None:
    user = await tenant.create_user()
    updated = await tenant.admin.put(
        f"/api/users/{user.user['id']}", json={"phone": "+1 (555) 010-0199"}
    )
    client = await tenant.admin.post(
        "/api/customers", json={"name": "P", "phone": "+1 (555) 010-0199"}
    )
    assert updated.json["phone"] == client.json["phone"] == "+15550100199"
    refused = await tenant.admin.put(f"/api/users/{user.user['id']}", json={"phone": "call me"})
    assert refused.status == 400


async def test_dates_follow_one_rule_in_finance_crm_and_team(tenant: Tenant) -> None:
    """`2026-02-30` and a number of seconds are not dates anywhere (team answers 422, as its
    reference shows; the rest 400)."""
    customer = (await tenant.admin.post("/api/customers", json={"name": "D"})).json
    for bad in ("2026-02-30", 1700000000, "01/02/2026"):
        revenue = await tenant.admin.post("/api/revenue", json={"amount": "10.00", "date": bad})
        quote = await tenant.admin.post(
            "/api/quotes",
            json={
                "customer_id": customer["id"],
                "valid_until": bad,
                "line_items": [{"description": "x", "quantity": 1, "unit_price": "1.00"}],
            },
        )
        project = await tenant.admin.post("/api/projects", json={"name": "P", "start_date": bad})
        assert (revenue.status, quote.status, project.status) == (400, 400, 422), bad
    ok = await tenant.admin.post("/api/revenue", json={"amount": "10.00", "date": "2026-02-28"})
    assert ok.status == 201 and ok.json["date"] == "2026-02-28"


async def test_a_ticket_time_is_a_string_never_a_number(tenant: Tenant) -> None:
    refused = await tenant.admin.post("/api/tickets", json={"title": "T", "scheduled_at": 0})
    assert refused.status == 400, refused
    ok = await tenant.admin.post(
        "/api/tickets", json={"title": "T", "scheduled_at": "2026-03-01T10:30:00+01:00"}
    )
    assert ok.status == 201 and ok.json["scheduled_at"].startswith("2026-03-01T09:30:00")
