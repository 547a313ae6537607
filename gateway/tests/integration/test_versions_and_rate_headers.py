"""The answers' contract headers: `Servelo-Version` (docs/api-versioning.md) and the IETF
`RateLimit` / `RateLimit-Policy` fields on limited routes and on every 429."""

from __future__ import annotations

import re
import secrets

from servelo_dev.testing.tenants import Tenant

CURRENT = "2026-12-01"
POLICY = re.compile(r'^"(?P<name>[a-z-]+)";q=(?P<q>\d+);w=(?P<w>\d+)$')
STATE = re.compile(r'^"(?P<name>[a-z-]+)";r=(?P<r>\d+);t=(?P<t>\d+)$')


def fresh_ip() -> str:
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"


async def test_every_answer_names_the_version_that_answered(tenant: Tenant) -> None:
    for resp in (
        await tenant.admin.get("/api/auth/me"),  # proxied
        await tenant.anon.get("/healthz"),  # the gateway's own
        await tenant.anon.get("/api/tickets"),  # a gateway error (401)
        await tenant.admin.get("/api/auth/me", headers={"Servelo-Version": CURRENT}),
    ):
        assert resp.headers["Servelo-Version"] == CURRENT, resp


async def test_an_unsupported_version_is_400_before_any_service(tenant: Tenant) -> None:
    for value in ("2020-01-01", "latest", "2026-12-1"):
        resp = await tenant.admin.post(
            "/api/tickets", json={"title": "never created"}, headers={"Servelo-Version": value}
        )
        assert resp.status == 400, resp
        assert resp.error_body["error"].startswith("Unsupported Servelo-Version")
        assert resp.json["code"] == "unsupported_version"
    listed = await tenant.admin.get("/api/tickets")
    assert all(t["title"] != "never created" for t in listed.json)


async def test_a_limited_route_reports_its_quota_on_every_answer(tenant: Tenant) -> None:
    ip, email = fresh_ip(), f"nobody-{secrets.token_hex(3)}@{tenant.slug}.example.com"
    seen = []
    for _ in range(3):
        resp = await tenant.anon.post(
            "/api/auth/login",
            json={"email": email, "password": "wrong-password"},
            headers={"X-Forwarded-For": ip},
        )
        assert resp.status == 401
        policy = POLICY.match(resp.headers["RateLimit-Policy"])
        state = STATE.match(resp.headers["RateLimit"])
        assert policy and state, resp.headers
        assert policy["name"] == state["name"] == "login"
        assert (int(policy["q"]), int(policy["w"])) == (10, 60)
        seen.append(int(state["r"]))
    assert seen == sorted(seen, reverse=True) and seen[0] > seen[-1]


async def test_a_429_says_which_rule_and_when(tenant: Tenant) -> None:
    ip, email = fresh_ip(), f"nobody-{secrets.token_hex(3)}@{tenant.slug}.example.com"
    for _ in range(11):
        resp = await tenant.anon.post(
            "/api/auth/login",
            json={"email": email, "password": "wrong-password"},
            headers={"X-Forwarded-For": ip},
        )
    assert resp.status == 429, resp
    state = STATE.match(resp.headers["RateLimit"])
    assert state and state["name"] == "login" and state["r"] == "0"
    assert int(state["t"]) == int(resp.headers["Retry-After"]) >= 1
    assert POLICY.match(resp.headers["RateLimit-Policy"])


async def test_browsers_may_read_the_contract_headers(tenant: Tenant, stack: object) -> None:
    """CORS is off in the test stack; the expose list itself is checked here."""
    from gateway.cors import EXPOSE_HEADERS

    exposed = {h.strip() for h in EXPOSE_HEADERS.decode().split(",")}
    assert {
        "ETag",
        "Location",
        "Link",
        "Retry-After",
        "X-Request-Id",
        "Idempotent-Replayed",
        "RateLimit",
        "RateLimit-Policy",
        "Servelo-Version",
    } <= exposed


async def test_auths_own_lockout_429_carries_the_rate_limit_fields(tenant: Tenant) -> None:
    """Behind the gateway's per-address rules, auth locks an email after 10 failures from
    anywhere (docs/auth.md): its 429 names that rule too."""
    email = f"nobody-{secrets.token_hex(3)}@{tenant.slug}.example.com"
    for _ in range(12):
        resp = await tenant.anon.post(
            "/api/auth/login",
            json={"email": email, "password": "wrong-password"},
            headers={"X-Forwarded-For": fresh_ip()},
        )
        if resp.status == 429:
            break
    assert resp.status == 429, resp
    assert len(resp.headers.getall("RateLimit")) == 1  # auth's rule, not also the gateway's
    state = STATE.match(resp.headers["RateLimit"])
    assert state and state["name"].startswith("lockout") and state["r"] == "0", resp.headers
    assert int(state["t"]) == int(resp.headers["Retry-After"])
    policy = POLICY.match(resp.headers["RateLimit-Policy"])
    assert policy and int(policy["q"]) == 10
