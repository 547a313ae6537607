"""Sign-in through the gateway: both references' request shapes, failures, rotation."""

from __future__ import annotations

from typing import Any

from servelo_dev.testing.factories import make_user
from servelo_dev.testing.tenants import Tenant

TOKEN_KEYS = {
    "accessToken",
    "refreshToken",
    "access_token",
    "refresh_token",
    "token_type",
    "expires_in",
    "user",
}


def assert_token_pair(body: dict[str, Any]) -> None:
    assert set(body) >= TOKEN_KEYS
    assert body["accessToken"] == body["access_token"]
    assert body["refreshToken"] == body["refresh_token"]
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900


async def test_login_returns_both_spellings_and_user(tenant: Tenant) -> None:
    user = await tenant.create_user("manager", name="Alice Johnson")
    resp = await tenant.anon.post(
        "/api/auth/login", json={"email": user.email, "password": user.password}
    )
    assert resp.status == 200, resp
    assert_token_pair(resp.json)
    assert resp.json["user"] == {
        "id": user.user["id"],
        "name": "Alice Johnson",
        "email": user.email,
        "role": "manager",
    }


async def test_login_accepts_raw_json_body_of_the_team_reference(tenant: Tenant) -> None:
    user = await tenant.create_user()
    raw = f'{{\n"email": "{user.email}",\n"password": "{user.password}"\n}}'
    resp = await tenant.anon.post(
        "/api/auth/login",
        data=raw.encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    assert resp.status == 200, resp


async def test_login_email_is_case_and_space_insensitive(tenant: Tenant) -> None:
    user = await tenant.create_user()
    resp = await tenant.anon.post(
        "/api/auth/login", json={"email": f"  {user.email.upper()} ", "password": user.password}
    )
    assert resp.status == 200, resp


async def test_wrong_password_and_unknown_email_are_the_same_401(tenant: Tenant) -> None:
    user = await tenant.create_user()
    wrong = await tenant.anon.post(
        "/api/auth/login", json={"email": user.email, "password": "nope-nope"}
    )
    unknown = await tenant.anon.post(
        "/api/auth/login", json={"email": "ghost@example.com", "password": "x"}
    )
    for resp in (wrong, unknown):
        assert resp.status == 401
        assert resp.json["error"] == resp.json["message"] == "Invalid credentials"


async def test_login_missing_fields_is_400_with_errors(tenant: Tenant) -> None:
    resp = await tenant.anon.post("/api/auth/login", json={})
    assert resp.status == 400
    assert set(resp.json["errors"]) == {"email", "password"}
    assert resp.json["errors"]["email"] == ["The email field is required."]


async def test_login_malformed_json_is_400(tenant: Tenant) -> None:
    resp = await tenant.anon.post(
        "/api/auth/login", data=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert resp.status == 400


async def test_invited_user_without_password_cannot_log_in(tenant: Tenant) -> None:
    await make_user(tenant.admin, email="newbie@example.com", name="Newbie", role="technician")
    resp = await tenant.anon.post(
        "/api/auth/login", json={"email": "newbie@example.com", "password": ""}
    )
    assert resp.status == 400
    resp = await tenant.anon.post(
        "/api/auth/login", json={"email": "newbie@example.com", "password": "anything"}
    )
    assert resp.status == 401


async def test_refresh_with_team_reference_shape(tenant: Tenant) -> None:
    user = await tenant.create_user()
    resp = await tenant.anon.post("/api/auth/refresh", json={"refresh_token": user.refresh_token})
    assert resp.status == 200, resp
    assert_token_pair(resp.json)
    assert resp.json["refresh_token"] != user.refresh_token
    me = await user.with_token(resp.json["access_token"]).get("/api/auth/me")
    assert me.status == 200, me


async def test_refresh_with_servelo_reference_shape(tenant: Tenant) -> None:
    user = await tenant.create_user()
    resp = await tenant.anon.post("/api/auth/refresh", json={"refreshToken": user.refresh_token})
    assert resp.status == 200, resp
    assert resp.json["accessToken"]


async def test_rotated_token_replay_revokes_the_whole_family(tenant: Tenant) -> None:
    user = await tenant.create_user()
    r1 = user.refresh_token
    r2 = (await tenant.anon.post("/api/auth/refresh", json={"refresh_token": r1})).json
    r3 = (
        await tenant.anon.post("/api/auth/refresh", json={"refresh_token": r2["refresh_token"]})
    ).json
    replay = await tenant.anon.post("/api/auth/refresh", json={"refresh_token": r1})
    assert replay.status == 401
    assert replay.json["message"] == "Invalid or expired refresh token"
    for token in (r2["refresh_token"], r3["refresh_token"]):
        resp = await tenant.anon.post("/api/auth/refresh", json={"refresh_token": token})
        assert resp.status == 401, resp
    audit = await tenant.admin.get("/api/audit")
    assert any(
        e["action"] == "refresh_reuse" and e["user_id"] == user.user["id"] for e in audit.json
    )


async def test_garbage_refresh_token_is_401(tenant: Tenant) -> None:
    for token in ("abc123def456", "x" * 40 + ".y", "0" * 32 + ".secret"):
        resp = await tenant.anon.post("/api/auth/refresh", json={"refresh_token": token})
        assert resp.status == 401, resp
        assert resp.json["error"] == "Invalid or expired refresh token"


async def test_missing_refresh_token_is_400(tenant: Tenant) -> None:
    for body in ({}, {"refresh_token": ""}, {"refresh_token": 5}):
        resp = await tenant.anon.post("/api/auth/refresh", json=body)
        assert resp.status == 400, resp
        assert "refresh_token" in resp.json["errors"]


async def test_refresh_token_of_other_tenant_is_refused(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    resp = await other_tenant.anon.post(
        "/api/auth/refresh", json={"refresh_token": tenant.admin.refresh_token}
    )
    assert resp.status == 401


async def test_logout_ends_the_session_and_is_idempotent(tenant: Tenant) -> None:
    user = await tenant.create_user()
    for body in ({"refresh_token": user.refresh_token}, {"refreshToken": user.refresh_token}):
        resp = await tenant.anon.post("/api/auth/logout", json=body)
        assert resp.status == 200
        assert resp.json == {"message": "Logged out successfully"}
    resp = await tenant.anon.post("/api/auth/refresh", json={"refresh_token": user.refresh_token})
    assert resp.status == 401
    resp = await tenant.anon.post("/api/auth/logout", json={"refresh_token": "abc123def456"})
    assert resp.status == 200
