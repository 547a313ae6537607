"""Me, invitations, admin set-password, org creation by the system admin."""

from __future__ import annotations

import secrets

import aiohttp
from servelo_dev.testing.tenants import Tenant

USER_FIELDS = {
    "id",
    "name",
    "email",
    "role",
    "active",
    "status",
    "auth_provider",
    "phone",
    "notes",
    "avatar_url",
    "has_password",
    "created_at",
}


async def test_me_has_contract_fields_and_no_hash(tenant: Tenant) -> None:
    user = await tenant.create_user("technician")
    resp = await user.get("/api/auth/me")
    assert resp.status == 200
    assert set(resp.json) >= USER_FIELDS
    assert resp.json["has_password"] is True
    assert resp.json["status"] == "active"
    assert resp.json["role"] == "technician"
    assert "argon2" not in resp.text and "password_hash" not in resp.text


async def test_me_without_token_is_401(tenant: Tenant) -> None:
    assert (await tenant.anon.get("/api/auth/me")).status == 401


async def test_invite_creates_invited_user(tenant: Tenant) -> None:
    resp = await tenant.admin.post(
        "/api/users/invite",
        json={"email": " New.Person@Example.com ", "name": "New Person", "role": "manager"},
    )
    assert resp.status == 201, resp
    assert resp.json["email"] == "new.person@example.com"
    assert resp.json["status"] == "invited"
    assert resp.json["has_password"] is False
    assert resp.json["auth_provider"] == "magic_link"


async def test_invite_duplicate_email_is_409(tenant: Tenant) -> None:
    body = {"email": "dup@example.com", "name": "Dup", "role": "technician"}
    assert (await tenant.admin.post("/api/users/invite", json=body)).status == 201
    body["email"] = "DUP@example.com"
    assert (await tenant.admin.post("/api/users/invite", json=body)).status == 409


async def test_same_email_in_two_tenants_is_fine(tenant: Tenant, other_tenant: Tenant) -> None:
    body = {"email": "shared@example.com", "name": "Shared", "role": "technician"}
    assert (await tenant.admin.post("/api/users/invite", json=body)).status == 201
    assert (await other_tenant.admin.post("/api/users/invite", json=body)).status == 201


async def test_invite_by_technician_is_403(tenant: Tenant) -> None:
    tech = await tenant.create_user("technician")
    resp = await tech.post(
        "/api/users/invite", json={"email": "x@example.com", "name": "X", "role": "admin"}
    )
    assert resp.status == 403
    assert resp.json["error"] == "Forbidden"


async def test_invite_invalid_role_is_400(tenant: Tenant) -> None:
    resp = await tenant.admin.post(
        "/api/users/invite", json={"email": "x@example.com", "name": "X", "role": "boss"}
    )
    assert resp.status == 400
    assert "role" in resp.json["errors"]


async def test_set_password_short_is_400(tenant: Tenant) -> None:
    user = await tenant.create_user()
    resp = await tenant.admin.post(
        f"/api/users/{user.user['id']}/set-password", json={"password": "short"}
    )
    assert resp.status == 400
    assert "password" in resp.json["errors"]


async def test_set_password_on_other_tenants_user_is_404(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    victim = await other_tenant.create_user()
    resp = await tenant.admin.post(
        f"/api/users/{victim.user['id']}/set-password", json={"password": "long-enough-1"}
    )
    assert resp.status == 404
    resp = await tenant.admin.post(
        "/api/users/not-a-uuid/set-password", json={"password": "long-enough-1"}
    )
    assert resp.status == 404


async def test_set_password_ends_old_sessions(tenant: Tenant) -> None:
    user = await tenant.create_user()
    resp = await tenant.admin.post(
        f"/api/users/{user.user['id']}/set-password", json={"password": "brand-new-pass"}
    )
    assert resp.status == 200
    resp = await tenant.anon.post("/api/auth/refresh", json={"refresh_token": user.refresh_token})
    assert resp.status == 401
    resp = await tenant.anon.post(
        "/api/auth/login", json={"email": user.email, "password": "brand-new-pass"}
    )
    assert resp.status == 200


async def test_system_admin_creates_org_then_duplicate_is_409(
    stack: object, http: aiohttp.ClientSession
) -> None:
    sysadmin = await stack.system_admin(http)  # type: ignore[attr-defined]
    slug = "o" + secrets.token_hex(4)
    body = {
        "slug": slug,
        "name": "Org",
        "plan": "pro",
        "admin": {"email": f"boss@{slug}.example.com", "name": "Boss", "password": "boss-password"},
    }
    resp = await sysadmin.post("/api/admin/orgs", json=body)
    assert resp.status == 201, resp
    assert {"id", "slug", "name", "plan", "active", "user_count", "created_at"} <= set(resp.json)
    assert resp.json["user_count"] == 1 and resp.json["active"] is True
    assert (await sysadmin.post("/api/admin/orgs", json=body)).status == 409


async def test_create_org_bad_slug_is_400(stack: object, http: aiohttp.ClientSession) -> None:
    sysadmin = await stack.system_admin(http)  # type: ignore[attr-defined]
    for slug in ("Bad_Slug", "-x", "x-", "a" * 64):
        resp = await sysadmin.post(
            "/api/admin/orgs",
            json={"slug": slug, "name": "Org", "admin": {"email": "a@example.com", "name": "A"}},
        )
        assert resp.status == 400, (slug, resp)


async def test_tenant_admin_cannot_create_orgs(tenant: Tenant) -> None:
    resp = await tenant.admin.post(
        "/api/admin/orgs",
        json={"slug": "sneaky", "name": "Org", "admin": {"email": "a@example.com", "name": "A"}},
    )
    assert resp.status == 403


async def test_token_of_one_tenant_is_refused_on_another(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    resp = await tenant.admin.on_host(other_tenant.anon.host).get("/api/auth/me")
    assert resp.status == 401
