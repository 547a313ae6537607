"""Auth's audit actions in the tenant's event feed, through the gateway: sign-ins, failures
(capped per org), sign-outs, role changes, session revocations, refresh reuse."""

from __future__ import annotations

import secrets
from typing import Any

from servelo_dev.testing import eventually
from servelo_dev.testing.client import ApiClient
from servelo_dev.testing.tenants import Tenant, login

SECRET_PASSWORD = "wrong-" + secrets.token_urlsafe(8)


async def events_of(client: ApiClient, kind: str, count: int = 1) -> list[dict[str, Any]]:
    """The feed's events of `kind`, once there are at least `count`."""

    async def there() -> list[dict[str, Any]]:
        resp = await client.get("/api/events", params={"types": kind, "limit": "500"})
        assert resp.status == 200, resp
        assert len(resp.json) >= count, resp.json
        return list(resp.json)

    return await eventually(there, timeout=20)


async def test_a_sign_in_is_an_event_without_secrets(tenant: Tenant) -> None:
    tech = await tenant.create_user("technician")
    found = await events_of(tenant.admin, "user-signed-in", 2)  # the admin's and the tech's
    mine = [e for e in found if e["subject"] == tech.user["id"]]
    assert len(mine) == 1
    event = mine[0]
    assert event["source"] == "servelo/auth" and event["tenant"] == tenant.org_id
    assert event["data"]["user_id"] == tech.user["id"]
    assert event["data"]["method"] == "password"
    assert event["data"]["ip_prefix"] is None or event["data"]["ip_prefix"].endswith(("/24", "/48"))
    text = str(event)
    assert tech.password is not None and tech.token is not None
    assert tech.password not in text and tech.token not in text and tech.refresh_token not in text


async def test_a_wrong_password_is_a_sign_in_failed_event(tenant: Tenant) -> None:
    resp = await tenant.anon.post(
        "/api/auth/login", json={"email": tenant.admin.email, "password": SECRET_PASSWORD}
    )
    assert resp.status == 401, resp
    unknown = f"nobody-{secrets.token_hex(3)}@example.com"
    resp = await tenant.anon.post(
        "/api/auth/login", json={"email": unknown, "password": SECRET_PASSWORD}
    )
    assert resp.status == 401, resp
    found = await events_of(tenant.admin, "sign-in-failed", 2)
    known = [e for e in found if e["data"]["user_id"] == tenant.admin.user["id"]]
    assert len(known) == 1 and known[0]["data"]["email"] == tenant.admin.email
    stranger = [e for e in found if e["data"]["user_id"] is None]
    assert len(stranger) == 1 and stranger[0]["data"]["email"] is None  # never what was typed
    assert SECRET_PASSWORD not in str(found) and unknown not in str(found)


async def test_a_password_spray_writes_at_most_the_budget_of_events(tenant: Tenant) -> None:
    attempts = 45  # 20 a minute: at most 40 events even if the minute turns meanwhile
    for n in range(attempts):
        client = tenant.anon
        client.client_ip = f"198.51.100.{n + 1}"
        resp = await client.post(
            "/api/auth/login",
            json={"email": f"spray{n}@example.com", "password": SECRET_PASSWORD},
        )
        assert resp.status == 401, resp
    tenant.anon.client_ip = None
    found = await events_of(tenant.admin, "sign-in-failed", 20)
    assert 20 <= len(found) <= 40
    audit = await tenant.admin.get("/api/audit", params={"limit": "500"})
    assert audit.status == 200, audit
    failed = [a for a in audit.json if a["action"] == "login_failed"]
    assert len(failed) == attempts  # the audit trail keeps every attempt


async def test_sign_out_role_change_and_revocations_are_events(tenant: Tenant) -> None:
    tech = await tenant.create_user("technician")
    uid = tech.user["id"]
    resp = await tenant.admin.put(f"/api/users/{uid}", json={"role": "manager"})
    assert resp.status == 200, resp
    changed = await events_of(tenant.admin, "user-role-changed")
    assert changed[0]["data"]["previous_role"] == "technician"
    assert changed[0]["data"]["role"] == "manager"
    assert changed[0]["data"]["actor_id"] == tenant.admin.user["id"]

    # A rotated refresh token presented again ends its session.
    again = await login(tenant.anon, tech.email, tech.password)
    first = again.refresh_token
    resp = await tenant.anon.post("/api/auth/refresh", json={"refresh_token": first})
    assert resp.status == 200, resp
    resp = await tenant.anon.post("/api/auth/refresh", json={"refresh_token": first})
    assert resp.status == 401, resp
    reused = await events_of(tenant.admin, "refresh-token-reused")
    assert reused[0]["data"]["user_id"] == uid and first not in str(reused)

    third = await login(tenant.anon, tech.email, tech.password)
    resp = await third.post("/api/auth/logout", json={"refresh_token": third.refresh_token})
    assert resp.status == 200, resp
    out = await events_of(tenant.admin, "user-signed-out")
    assert out[0]["subject"] == uid
