"""Invitations and sign-in links, read out of mail caught by the test SMTP server."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import asyncpg
from servelo_dev.testing.factories import make_user
from servelo_dev.testing.tenants import Tenant, eventually

from .conftest import link_token


async def test_invite_flow_from_admin_call_to_first_me(stack: Any, tenant: Tenant) -> None:
    email = f"invitee@{tenant.slug}.example.com"
    await make_user(tenant.admin, email=email, name="Invitee", role="manager")
    token = await link_token(stack, email)
    resp = await tenant.anon.get("/api/auth/magic-link/verify", params={"token": token})
    assert resp.status == 200, resp
    assert resp.json["user"]["email"] == email
    me = await tenant.anon.with_token(resp.json["access_token"]).get("/api/auth/me")
    assert me.status == 200
    assert me.json["status"] == "active" and me.json["has_password"] is False
    assert me.json["auth_provider"] == "magic_link"


async def test_invite_link_works_once(stack: Any, tenant: Tenant) -> None:
    email = f"once@{tenant.slug}.example.com"
    await make_user(tenant.admin, email=email, name="Once")
    token = await link_token(stack, email)
    first = await tenant.anon.get("/api/auth/magic-link/verify", params={"token": token})
    second = await tenant.anon.get("/api/auth/magic-link/verify", params={"token": token})
    assert first.status == 200
    assert second.status == 401
    assert second.json["error"] == "Invalid or expired magic link"


async def test_login_link_signs_in(stack: Any, tenant: Tenant) -> None:
    user = await tenant.create_user()
    resp = await tenant.anon.post("/api/auth/magic-link/request", json={"email": user.email})
    assert resp.status == 200
    token = await link_token(stack, user.email, count=2)  # 1st was the invitation
    resp = await tenant.anon.get("/api/auth/magic-link/verify", params={"token": token})
    assert resp.status == 200, resp
    assert resp.json["user"]["id"] == user.user["id"]
    assert resp.json["expires_in"] == 900


async def test_request_answer_is_the_same_for_unknown_email(tenant: Tenant) -> None:
    user = await tenant.create_user()
    known = await tenant.anon.post("/api/auth/magic-link/request", json={"email": user.email})
    unknown = await tenant.anon.post(
        "/api/auth/magic-link/request", json={"email": "nobody@example.com"}
    )
    assert known.status == unknown.status == 200
    assert known.json == unknown.json


async def test_at_most_one_mail_per_minute(stack: Any, tenant: Tenant) -> None:
    user = await tenant.create_user()
    await asyncio.gather(
        *[
            tenant.anon.post("/api/auth/magic-link/request", json={"email": user.email})
            for _ in range(5)
        ]
    )
    await stack.mail.wait_for(to=user.email, count=2)
    await asyncio.sleep(1.0)
    assert len(stack.mail.to(user.email)) == 2  # the invitation and one sign-in link


async def test_expired_link_is_refused(stack: Any, tenant: Tenant, db: asyncpg.Connection) -> None:
    email = f"late@{tenant.slug}.example.com"
    await make_user(tenant.admin, email=email, name="Late")
    token = await link_token(stack, email)
    await db.execute(
        "UPDATE auth.magic_links SET expires_at = now() - interval '1 second' WHERE org_id = $1",
        tenant.org_id,
    )
    resp = await tenant.anon.get("/api/auth/magic-link/verify", params={"token": token})
    assert resp.status == 401


async def test_link_of_one_tenant_fails_on_another(
    stack: Any, tenant: Tenant, other_tenant: Tenant
) -> None:
    email = f"x@{tenant.slug}.example.com"
    await make_user(tenant.admin, email=email, name="X")
    token = await link_token(stack, email)
    resp = await other_tenant.anon.get("/api/auth/magic-link/verify", params={"token": token})
    assert resp.status == 401


async def test_fifty_concurrent_redemptions_give_one_success(stack: Any, tenant: Tenant) -> None:
    email = f"race@{tenant.slug}.example.com"
    await make_user(tenant.admin, email=email, name="Race")
    token = await link_token(stack, email)
    results = await asyncio.gather(
        *[
            tenant.anon.get("/api/auth/magic-link/verify", params={"token": token})
            for _ in range(50)
        ]
    )
    statuses = sorted(r.status for r in results)
    assert statuses.count(200) == 1, statuses
    assert all(s in (401, 429) for s in statuses if s != 200), statuses


async def test_admin_sends_a_login_link(stack: Any, tenant: Tenant) -> None:
    user = await tenant.create_user()
    resp = await tenant.admin.post(f"/api/users/{user.user['id']}/send-login-link")
    assert resp.status == 200
    token = await link_token(stack, user.email, count=2)
    resp = await tenant.anon.get("/api/auth/magic-link/verify", params={"token": token})
    assert resp.status == 200


async def test_org_created_without_password_invites_its_admin(stack: Any, http: Any) -> None:
    sysadmin = await stack.system_admin(http)
    slug = "inv" + secrets.token_hex(4)
    email = f"owner@{slug}.example.com"
    resp = await sysadmin.post(
        "/api/admin/orgs",
        json={"slug": slug, "name": "Invited Org", "admin": {"email": email, "name": "Owner"}},
    )
    assert resp.status == 201, resp
    token = await link_token(stack, email)
    anon = stack.client(http, slug)

    async def verify() -> Any:
        r = await anon.get("/api/auth/magic-link/verify", params={"token": token})
        assert r.status != 404, r  # the gateway learns about the new org by event
        return r

    resp = await eventually(verify)
    assert resp.status == 200, resp
    assert resp.json["user"]["role"] == "admin"
