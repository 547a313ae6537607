"""Every token auth issues comes from the database's user and org, read when it is signed.

Some of these call auth directly with an identity header signed as the gateway would:
a request that reached auth just before the gateway heard of a revocation, or a replica
that lags, must not be able to mint a token.
"""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import jwt as pyjwt
from servelo_common.identity import IDENTITY_HEADER, Identity, encode_identity
from servelo_dev.testing.factories import make_user
from servelo_dev.testing.tenants import Tenant, eventually, login

from .conftest import link_token

TOKEN_KEYS = {"accessToken", "access_token", "refreshToken", "refresh_token"}


def claims(token: str | None) -> dict[str, Any]:
    assert token is not None
    decoded: dict[str, Any] = pyjwt.decode(token, options={"verify_signature": False})
    return decoded


async def direct(
    stack: Any, http: aiohttp.ClientSession, method: str, path: str, ident: Identity, **kw: Any
) -> tuple[int, Any]:
    headers = {IDENTITY_HEADER: encode_identity(ident, stack.internal_secret)}
    async with http.request(method, stack.service_url("auth") + path, headers=headers, **kw) as r:
        return r.status, await r.json(content_type=None)


def identity_of(tenant: Tenant, client: Any, role: str) -> Identity:
    token = claims(client.token)
    return Identity(
        org_id=tenant.org_id,
        org_slug=tenant.slug,
        user_id=token["sub"],
        role=role,
        session_id=token["sid"],
        token_iat=float(token["iat"]),
    )


async def test_session_endpoints_never_mint_tokens(
    stack: Any, http: aiohttp.ClientSession, tenant: Tenant
) -> None:
    """Finding 2: a demoted, deactivated admin whose old identity still reaches auth gets no
    fresh `role: admin` token out of revoke-others or a session revoke."""
    user = await tenant.create_user("admin")
    spare = await login(tenant.anon, user.email, user.password)
    ident = identity_of(tenant, user, "admin")
    uid = user.user["id"]
    assert (await tenant.admin.put(f"/api/users/{uid}", json={"role": "technician"})).status == 200
    assert (await tenant.admin.put(f"/api/users/{uid}/deactivate")).status == 200

    _, body = await direct(stack, http, "POST", "/api/auth/sessions/revoke-others", ident)
    assert not TOKEN_KEYS & set(body), body
    spare_sid = claims(spare.token)["sid"]
    _, body = await direct(stack, http, "DELETE", f"/api/auth/sessions/{spare_sid}", ident)
    assert not TOKEN_KEYS & set(body), body


async def test_a_refresh_signs_the_role_the_database_holds(tenant: Tenant) -> None:
    user = await tenant.create_user("admin")
    uid = user.user["id"]
    assert (await tenant.admin.put(f"/api/users/{uid}", json={"role": "manager"})).status == 200
    resp = await tenant.anon.post("/api/auth/refresh", json={"refresh_token": user.refresh_token})
    assert resp.status == 200
    assert claims(resp.json["access_token"])["role"] == "manager"
    assert resp.json["user"]["role"] == "manager"


async def test_tokens_carry_the_org_id_and_session(tenant: Tenant) -> None:
    token = claims(tenant.admin.token)
    assert token["org_id"] == tenant.org_id
    assert token["org"] == tenant.slug
    assert token["sid"]


async def test_no_token_for_a_suspended_org_even_behind_the_gateway(
    stack: Any, http: aiohttp.ClientSession, tenant: Tenant
) -> None:
    """The gateway answers 403 for a suspended org; auth itself must refuse too (a replica
    that has not heard of the suspension yet forwards the request)."""
    user = await tenant.create_user()
    sysadmin = await stack.system_admin(http)
    assert (await sysadmin.put(f"/api/admin/orgs/{tenant.slug}", json={"active": False})).status
    public = Identity(org_id=tenant.org_id, org_slug=tenant.slug)
    status, body = await direct(
        stack,
        http,
        "POST",
        "/api/auth/login",
        public,
        json={"email": user.email, "password": user.password},
    )
    assert status == 403 and body["error"] == "Organization is suspended", body
    status, body = await direct(
        stack, http, "POST", "/api/auth/refresh", public, json={"refresh_token": user.refresh_token}
    )
    assert status == 403 and not TOKEN_KEYS & set(body), body


async def test_set_password_on_an_account_with_one_needs_a_recent_sign_in(
    tenant: Tenant, db: Any
) -> None:
    user = await tenant.create_user()
    sid = claims(user.token)["sid"]
    await db.execute(
        "UPDATE auth.sessions SET created_at = now() - interval '6 minutes' WHERE id = $1::uuid",
        sid,
    )
    resp = await user.post("/api/users/me/set-password", json={"password": "another-pass-1"})
    assert resp.status == 403, resp
    assert "sign in again" in resp.json["error"]
    assert resp.json["code"] == "reauthentication_required"
    # A fresh sign-in is enough; the token the caller holds keeps working afterwards.
    fresh = await login(tenant.anon, user.email, user.password)
    resp = await fresh.post("/api/users/me/set-password", json={"password": "another-pass-1"})
    assert resp.status == 200, resp
    assert (await fresh.get("/api/auth/me")).status == 200
    # Every other session ended, the stale one included.

    async def stale_refused() -> None:
        assert (await user.get("/api/auth/me")).status == 401

    await eventually(stale_refused, timeout=1.0)


async def test_set_password_without_one_needs_no_recent_sign_in(
    stack: Any, tenant: Tenant, db: Any
) -> None:
    """An invited user who signed in by link has no password yet: no reauthentication."""
    email = f"linked-{int(time.time() * 1000)}@{tenant.slug}.example.com"
    await make_user(tenant.admin, email=email, name="Linked", role="technician")
    token = await link_token(stack, email)
    resp = await tenant.anon.get("/api/auth/magic-link/verify", params={"token": token})
    assert resp.status == 200, resp
    linked = tenant.anon.with_token(resp.json["access_token"])
    await db.execute(
        "UPDATE auth.sessions SET created_at = now() - interval '1 hour' WHERE id = $1::uuid",
        claims(linked.token)["sid"],
    )
    resp = await linked.post("/api/users/me/set-password", json={"password": "first-pass-1"})
    assert resp.status == 200, resp
    assert (await linked.get("/api/auth/me")).json["has_password"] is True
