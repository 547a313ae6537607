"""Through the real gateway and auth: one canonical path for every limit, and the tenant's
budget charged only to requests with a valid token (issue 9, finding 7)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit

import orjson
import pytest
from servelo_dev.testing.plugin import TestStack
from servelo_dev.testing.tenants import Tenant, through

LOGIN_LIMIT = 10
TENANT_BUDGET = 30


def fresh_ip() -> str:
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"


async def raw_post(
    gateway_url: str,
    host: str,
    target: str,
    body: dict[str, str],
    ip: str,
    token: str | None = None,
) -> tuple[int, bytes]:
    """POST with `target` sent as written (HTTP clients would normalise it first)."""
    data = orjson.dumps(body)
    url = urlsplit(gateway_url)
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    try:
        writer.write(
            (
                f"POST {target} HTTP/1.1\r\nHost: {host}\r\nX-Forwarded-For: {ip}\r\n{auth}"
                f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                "Connection: close\r\n\r\n"
            ).encode()
            + data
        )
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
        await writer.wait_closed()
    head, _, payload = raw.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), payload


SPELLINGS = [
    "/api/auth/%6cogin",
    "/api/auth/%6C%6F%67%69%6E",
    "/api/auth//login",
    "/api/auth/login/",
]


@pytest.mark.parametrize("spelling", SPELLINGS)
async def test_every_spelling_of_login_is_login_with_the_login_limit(
    stack: TestStack, tenant: Tenant, spelling: str
) -> None:
    ip = fresh_ip()
    email = f"nobody-{secrets.token_hex(4)}@{tenant.slug}.example.com"
    body = {"email": email, "password": "wrong-password"}
    host = stack.host(tenant.slug)
    for i in range(LOGIN_LIMIT):
        target = spelling if i % 2 else "/api/auth/login"
        status, payload = await raw_post(stack.gateway_url, host, target, body, ip)
        # The service answered as the login route: the same path the limit was keyed on.
        assert (status, orjson.loads(payload)["error"]) == (401, "Invalid credentials"), payload
    status, payload = await raw_post(stack.gateway_url, host, spelling, body, ip)
    assert status == 429, payload


@pytest.mark.parametrize("target", ["/api/auth%2Flogin", "/api/auth/%2e%2e/auth/login"])
async def test_paths_a_service_would_read_as_another_are_404(
    stack: TestStack, tenant: Tenant, target: str
) -> None:
    body = {"email": "a@b.test", "password": "x"}
    status, _ = await raw_post(stack.gateway_url, stack.host(tenant.slug), target, body, fresh_ip())
    assert status == 404


async def test_a_fragment_cannot_take_login_past_its_limits(
    stack: TestStack, tenant: Tenant
) -> None:
    """uvicorn cuts the path at '#': with any valid token, `login#x` reached login as a
    route that is not public, so without the sign-in limits."""
    body = {"email": tenant.admin.email, "password": "wrong-password"}
    host = stack.host(tenant.slug)
    token = tenant.admin.token
    status, payload = await raw_post(
        stack.gateway_url, host, "/api/auth/login#x", body, fresh_ip(), token
    )
    assert status == 404, payload


@pytest.fixture(scope="module")
def small_budget_gateway(stack: TestStack) -> Iterator[str]:
    """A gateway replica whose tenants may make only TENANT_BUDGET requests a minute."""
    env = {"SERVELO_RATELIMIT_TENANT_PER_MINUTE": str(TENANT_BUDGET)}
    with stack.replica("gateway", env) as url:
        yield url


async def test_junk_tokens_from_a_few_addresses_do_not_lock_out_real_users(
    tenant: Tenant, small_budget_gateway: str
) -> None:
    admin = await through(tenant.admin, small_budget_gateway)
    attackers = [fresh_ip() for _ in range(3)]
    junk = admin.with_token("junk." + secrets.token_urlsafe(20))
    for i in range(2 * TENANT_BUDGET):
        resp = await junk.get("/api/users", headers={"X-Forwarded-For": attackers[i % 3]})
        assert resp.status == 401, resp
    resp = await admin.get("/api/users")
    assert resp.status == 200, resp


async def test_the_tenant_budget_still_holds_for_real_users(
    tenant: Tenant, small_budget_gateway: str
) -> None:
    admin = await through(tenant.admin, small_budget_gateway)
    statuses = [(await admin.get("/api/auth/me")).status for _ in range(TENANT_BUDGET + 1)]
    assert statuses[-1] == 429, statuses
    assert set(statuses[: TENANT_BUDGET - 1]) == {200}, statuses
