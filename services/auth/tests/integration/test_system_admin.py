"""The system admin: org listing, plans, suspension, deletion, users of any org."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import asyncpg
from servelo_dev.testing.factories import make_user
from servelo_dev.testing.tenants import Tenant, eventually, login


async def test_list_orgs_with_user_counts(
    stack: Any, http: aiohttp.ClientSession, tenant: Tenant
) -> None:
    await tenant.create_user()
    sysadmin = await stack.system_admin(http)
    resp = await sysadmin.get("/api/admin/orgs", params={"limit": 500})
    assert resp.status == 200
    org = next(o for o in resp.json if o["slug"] == tenant.slug)
    assert org["user_count"] == 2 and org["plan"] == "pro" and org["active"] is True


async def test_update_plan_and_name(
    stack: Any, http: aiohttp.ClientSession, tenant: Tenant
) -> None:
    sysadmin = await stack.system_admin(http)
    resp = await sysadmin.put(
        f"/api/admin/orgs/{tenant.slug}", json={"plan": "enterprise", "name": "Renamed"}
    )
    assert resp.status == 200, resp
    assert resp.json["plan"] == "enterprise" and resp.json["name"] == "Renamed"
    assert (await sysadmin.put("/api/admin/orgs/no-such-org", json={"plan": "x"})).status == 404


async def test_suspended_org_is_403_then_back(
    stack: Any, http: aiohttp.ClientSession, tenant: Tenant
) -> None:
    sysadmin = await stack.system_admin(http)
    resp = await sysadmin.put(f"/api/admin/orgs/{tenant.slug}", json={"active": False})
    assert resp.status == 200 and resp.json["active"] is False

    async def suspended() -> None:
        resp = await tenant.admin.get("/api/auth/me")
        assert resp.status == 403, resp
        assert resp.json["error"] == "Organization is suspended"

    await eventually(suspended)
    refused = await tenant.anon.post("/api/auth/login", json={"email": "a@b.c", "password": "x"})
    assert refused.status == 403
    await sysadmin.put(f"/api/admin/orgs/{tenant.slug}", json={"active": True})

    async def back() -> None:
        # Suspension revoked every token of the org: its users sign in again.
        assert (await tenant.admin.get("/api/auth/me")).status == 401
        again = await login(tenant.anon, tenant.admin.email, tenant.admin.password)
        assert (await again.get("/api/auth/me")).status == 200

    await eventually(back)


async def test_system_org_cannot_be_suspended_or_deleted(
    stack: Any, http: aiohttp.ClientSession
) -> None:
    sysadmin = await stack.system_admin(http)
    assert (
        await sysadmin.put(f"/api/admin/orgs/{stack.system_org}", json={"active": False})
    ).status == 409
    assert (await sysadmin.delete(f"/api/admin/orgs/{stack.system_org}")).status == 409


async def test_deleted_org_leaves_no_rows_in_auth(
    stack: Any, http: aiohttp.ClientSession, tenant: Tenant, db: asyncpg.Connection
) -> None:
    await tenant.create_user()
    await make_user(tenant.admin, email="i@example.com", name="I")
    sysadmin = await stack.system_admin(http)
    resp = await sysadmin.delete(f"/api/admin/orgs/{tenant.slug}")
    assert resp.status == 200 and "message" in resp.json
    tables = await db.fetch(
        "SELECT table_name FROM information_schema.columns"
        " WHERE table_schema = 'auth' AND column_name = 'org_id'"
    )
    for row in tables:
        count = await db.fetchval(
            f'SELECT count(*) FROM auth."{row["table_name"]}" WHERE org_id = $1', tenant.org_id
        )
        assert count == 0, row["table_name"]
    assert await db.fetchval("SELECT count(*) FROM auth.orgs WHERE id = $1", tenant.org_id) == 0

    async def gone() -> None:
        resp = await tenant.anon.post("/api/auth/login", json={"email": "a@b.c", "password": "x"})
        assert resp.status == 404, resp

    await eventually(gone)


async def test_users_of_an_org_and_their_changes(
    stack: Any, http: aiohttp.ClientSession, tenant: Tenant
) -> None:
    user = await tenant.create_user("technician")
    uid = user.user["id"]
    sysadmin = await stack.system_admin(http)
    listed = await sysadmin.get(f"/api/admin/orgs/{tenant.slug}/users")
    assert listed.status == 200 and uid in {u["id"] for u in listed.json}
    resp = await sysadmin.put(
        f"/api/admin/orgs/{tenant.slug}/users/{uid}", json={"role": "manager", "active": False}
    )
    assert resp.status == 200, resp
    assert resp.json["role"] == "manager" and resp.json["status"] == "deactivated"
    resp = await sysadmin.put(f"/api/admin/orgs/{tenant.slug}/users/{uid}", json={"active": True})
    assert resp.json["status"] == "active"
    resp = await sysadmin.post(
        f"/api/admin/orgs/{tenant.slug}/users/{uid}/set-password",
        json={"password": "set-by-system"},
    )
    assert resp.status == 200
    login = await tenant.anon.post(
        "/api/auth/login", json={"email": user.email, "password": "set-by-system"}
    )
    assert login.status == 200
    resp = await sysadmin.delete(f"/api/admin/orgs/{tenant.slug}/users/{uid}")
    assert resp.status == 200
    assert (await sysadmin.delete(f"/api/admin/orgs/{tenant.slug}/users/{uid}")).status == 404


async def test_user_of_another_org_under_wrong_slug_is_404(
    stack: Any, http: aiohttp.ClientSession, tenant: Tenant, other_tenant: Tenant
) -> None:
    victim = (await other_tenant.create_user()).user["id"]
    sysadmin = await stack.system_admin(http)
    resp = await sysadmin.put(
        f"/api/admin/orgs/{tenant.slug}/users/{victim}", json={"role": "admin"}
    )
    assert resp.status == 404


async def test_tenant_admin_gets_403_on_every_system_route(tenant: Tenant) -> None:
    uid = tenant.admin.user["id"]
    routes = [
        ("GET", "/api/admin/orgs"),
        ("PUT", f"/api/admin/orgs/{tenant.slug}"),
        ("DELETE", f"/api/admin/orgs/{tenant.slug}"),
        ("GET", f"/api/admin/orgs/{tenant.slug}/users"),
        ("PUT", f"/api/admin/orgs/{tenant.slug}/users/{uid}"),
        ("POST", f"/api/admin/orgs/{tenant.slug}/users/{uid}/set-password"),
        ("DELETE", f"/api/admin/orgs/{tenant.slug}/users/{uid}"),
    ]
    for method, path in routes:
        resp = await tenant.admin.request(method, path, json={"password": "long-enough"})
        assert resp.status == 403, (method, path, resp)
    await asyncio.sleep(0)
