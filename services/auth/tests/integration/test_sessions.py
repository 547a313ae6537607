"""Sessions, settings, the audit trail, and what responses never contain."""

from __future__ import annotations

from typing import Any

from servelo_dev.testing.tenants import Tenant, eventually, login


async def refused_soon(client: Any) -> None:
    async def refused() -> None:
        assert (await client.get("/api/auth/me")).status == 401

    await eventually(refused, timeout=1.0)


async def test_sessions_list_revoke_and_revoke_others(tenant: Tenant) -> None:
    user = await tenant.create_user()
    own_refresh = user.refresh_token
    second = await login(tenant.anon, user.email, user.password)
    third = await login(tenant.anon, user.email, user.password)
    resp = await user.get("/api/auth/sessions", headers={"X-Forwarded-For": "203.0.113.9"})
    assert resp.status == 200
    assert len(resp.json) == 3
    assert sum(1 for s in resp.json if s["current"]) == 1
    assert {"id", "created_at", "last_used_at", "user_agent", "ip"} <= set(resp.json[0])
    second_id = next(s["id"] for s in (await second.get("/api/auth/sessions")).json if s["current"])
    resp = await user.delete(f"/api/auth/sessions/{second_id}")
    assert resp.status == 200 and resp.json == {"message": "Session revoked"}
    # The ended session's access token is refused within a second; the caller's goes on.
    await refused_soon(second)
    assert (await user.get("/api/auth/me")).status == 200
    again = await tenant.anon.post(
        "/api/auth/refresh", json={"refresh_token": second.refresh_token}
    )
    assert again.status == 401
    resp = await user.post("/api/auth/sessions/revoke-others")
    assert resp.status == 200 and resp.json == {"message": "Other sessions revoked"}
    await refused_soon(third)
    assert (
        await tenant.anon.post("/api/auth/refresh", json={"refresh_token": third.refresh_token})
    ).status == 401
    assert (await user.get("/api/auth/me")).status == 200
    assert len((await user.get("/api/auth/sessions")).json) == 1
    mine = await tenant.anon.post("/api/auth/refresh", json={"refresh_token": own_refresh})
    assert mine.status == 200


async def test_other_users_session_is_404(tenant: Tenant) -> None:
    a = await tenant.create_user()
    b = await tenant.create_user()
    b_session = (await b.get("/api/auth/sessions")).json[0]["id"]
    assert (await a.delete(f"/api/auth/sessions/{b_session}")).status == 404
    assert (await a.delete("/api/auth/sessions/nope")).status == 404


async def test_settings_merge_and_validation(tenant: Tenant) -> None:
    tech = await tenant.create_user()
    resp = await tenant.admin.put(
        "/api/settings",
        json={
            "companyName": "Acme",
            "timezone": "Europe/Paris",
            "currency": "eur",
            "default_tax_rate": "8.25",
        },
    )
    assert resp.status == 200, resp
    assert resp.json["company_name"] == "Acme" and resp.json["currency"] == "EUR"
    assert resp.json["default_tax_rate"] == "8.25"
    resp = await tenant.admin.put("/api/settings", json={"timezone": "Mars/Base"})
    assert resp.status == 400 and "timezone" in resp.json["errors"]
    resp = await tenant.admin.put("/api/settings", json={"default_tax_rate": "150"})
    assert resp.status == 400
    got = await tech.get("/api/settings")
    assert got.status == 200 and got.json["timezone"] == "Europe/Paris"


async def test_settings_are_per_tenant(tenant: Tenant, other_tenant: Tenant) -> None:
    await tenant.admin.put("/api/settings", json={"company_name": "Mine"})
    other = await other_tenant.admin.get("/api/settings")
    assert other.json["company_name"] is None


async def test_audit_trail_newest_first(tenant: Tenant) -> None:
    user = await tenant.create_user()
    await tenant.anon.post("/api/auth/login", json={"email": user.email, "password": "bad!"})
    resp = await tenant.admin.get("/api/audit")
    assert resp.status == 200
    actions = [e["action"] for e in resp.json]
    assert actions[0] == "login_failed"
    assert {"user_invited", "password_set", "login"} <= set(actions)
    stamps = [e["created_at"] for e in resp.json]
    assert stamps == sorted(stamps, reverse=True)


async def test_audit_of_other_tenant_is_invisible(tenant: Tenant, other_tenant: Tenant) -> None:
    await other_tenant.create_user()
    ours = await tenant.admin.get("/api/audit")
    theirs = {e["id"] for e in (await other_tenant.admin.get("/api/audit")).json}
    assert theirs.isdisjoint({e["id"] for e in ours.json})


async def test_no_response_carries_a_hash(tenant: Tenant, stack: Any) -> None:
    user = await tenant.create_user()
    bodies = [
        (await user.get("/api/auth/me")).text,
        (await tenant.admin.get("/api/users")).text,
        (await tenant.admin.get(f"/api/users/{user.user['id']}")).text,
        (await user.get("/api/auth/sessions")).text,
        (await tenant.admin.get("/api/audit")).text,
        (await user.get("/api/users/technicians")).text,
    ]
    for text in bodies:
        assert "$argon2" not in text and "password_hash" not in text
        assert "token_hash" not in text and "current_hash" not in text


async def test_clean_up_keeps_live_sessions(tenant: Tenant, db: Any) -> None:
    from auth.repository.maintenance import STATEMENTS

    user = await tenant.create_user()
    await db.execute("SET search_path TO auth")
    for statement in STATEMENTS:
        await db.execute(statement)
    resp = await tenant.anon.post("/api/auth/refresh", json={"refresh_token": user.refresh_token})
    assert resp.status == 200
