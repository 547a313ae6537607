"""Sign-in lockouts kept in auth's database: per (org, email) and per (org, address), with a
growing wait, the same through every gateway replica (docs/auth.md, "Sign-in limits")."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from servelo_dev.testing.client import ApiClient, ApiResponse
from servelo_dev.testing.plugin import TestStack
from servelo_dev.testing.tenants import Tenant, eventually

WRONG = "wrong-password"
EMAIL_FREE_FAILURES = 10
ADDRESS_FREE_FAILURES = 20


@pytest.fixture(scope="module")
def second_gateway(stack: TestStack) -> Iterator[str]:
    """Another gateway replica in front of the same services: its in-memory limits are its own."""
    with stack.replica("gateway") as url:
        yield url


def fresh_ip() -> str:
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"


def unknown_email(tenant: Tenant) -> str:
    return f"nobody-{secrets.token_hex(4)}@{tenant.slug}.example.com"


async def login(client: ApiClient, ip: str, email: str, password: str = WRONG) -> ApiResponse:
    return await client.post(
        "/api/auth/login",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": ip},
    )


async def replicas(tenant: Tenant, second_gateway: str) -> list[ApiClient]:
    """The tenant's anonymous client through both gateways (the second one learns the new
    tenant from its event)."""
    other = tenant.anon.on_gateway(second_gateway)

    async def known() -> None:
        assert (await other.get("/api/auth/jwks")).status == 200

    await eventually(known, timeout=10)
    return [tenant.anon, other]


def retry_after(resp: ApiResponse) -> int:
    assert resp.status == 429, resp
    assert resp.json["error"] == "Too many requests", resp
    value = resp.headers.get("Retry-After", "")
    assert value.isdigit(), resp.headers
    return int(value)


async def test_sixty_distinct_email_logins_from_one_address_are_429_before_the_sixtieth(
    tenant: Tenant,
) -> None:
    ip = fresh_ip()
    statuses = [(await login(tenant.anon, ip, unknown_email(tenant))).status for _ in range(60)]
    assert 429 in statuses[:59], statuses
    first = statuses.index(429)
    assert set(statuses[:first]) == {401}, statuses


async def test_the_address_limit_holds_across_gateway_replicas(
    tenant: Tenant, second_gateway: str
) -> None:
    """Alternating between two replicas doubles every in-memory limit; auth's counter of the
    address does not care which replica asked."""
    gateways = await replicas(tenant, second_gateway)
    ip = fresh_ip()
    answers = [
        await login(gateways[i % 2], ip, unknown_email(tenant))
        for i in range(ADDRESS_FREE_FAILURES + 1)
    ]
    assert [a.status for a in answers[:ADDRESS_FREE_FAILURES]] == [401] * ADDRESS_FREE_FAILURES
    assert 0 < retry_after(answers[-1]) <= 60
    # Locked on both replicas, for any email, even the right password of a real user.
    admin = tenant.admin
    for gateway in gateways:
        retry_after(await login(gateway, ip, admin.email, admin.password))
    assert (await login(gateways[1], fresh_ip(), admin.email, admin.password)).status == 200


async def test_an_email_is_locked_from_every_address_and_replica(
    tenant: Tenant, second_gateway: str, db: asyncpg.Connection
) -> None:
    gateways = await replicas(tenant, second_gateway)
    user = await tenant.create_user()
    for i in range(EMAIL_FREE_FAILURES):
        resp = await login(gateways[i % 2], fresh_ip(), user.email)
        assert resp.status == 401, resp
    for gateway in gateways:
        assert 0 < retry_after(await login(gateway, fresh_ip(), user.email, user.password)) <= 60
    # Once the wait is over, the right password signs in and the count starts over.
    await expire_locks(db, tenant)
    ok = await login(gateways[1], fresh_ip(), user.email, user.password)
    assert ok.status == 200, ok
    assert await counter(db, tenant, "email") is None
    assert (await login(gateways[0], fresh_ip(), user.email)).status == 401


async def test_the_wait_doubles_with_each_failure_after_the_lock(
    tenant: Tenant, db: asyncpg.Connection
) -> None:
    email = unknown_email(tenant)
    for _ in range(EMAIL_FREE_FAILURES):
        assert (await login(tenant.anon, fresh_ip(), email)).status == 401
    waits = [retry_after(await login(tenant.anon, fresh_ip(), email))]
    for _ in range(3):
        await expire_locks(db, tenant)
        assert (await login(tenant.anon, fresh_ip(), email)).status == 401
        waits.append(retry_after(await login(tenant.anon, fresh_ip(), email)))
    assert [round(w / 60) for w in waits] == [1, 2, 4, 8], waits


async def test_a_correct_password_gives_the_address_its_attempt_back(tenant: Tenant) -> None:
    """People behind one address who sign in correctly do not use up its failures."""
    ip = fresh_ip()
    admin = tenant.admin
    for _ in range(ADDRESS_FREE_FAILURES - 1):
        assert (await login(tenant.anon, ip, unknown_email(tenant))).status == 401
    for _ in range(5):
        assert (await login(tenant.anon, ip, admin.email, admin.password)).status == 200
    assert (await login(tenant.anon, ip, unknown_email(tenant))).status == 401
    retry_after(await login(tenant.anon, ip, unknown_email(tenant)))


async def test_counters_are_per_tenant(tenant: Tenant, other_tenant: Tenant) -> None:
    email = f"shared-{secrets.token_hex(4)}@example.com"
    for _ in range(EMAIL_FREE_FAILURES):
        assert (await login(tenant.anon, fresh_ip(), email)).status == 401
    retry_after(await login(tenant.anon, fresh_ip(), email))
    assert (await login(other_tenant.anon, fresh_ip(), email)).status == 401


async def expire_locks(db: asyncpg.Connection, tenant: Tenant) -> None:
    """As if the wait had passed (the test does not sleep for minutes)."""
    await db.execute(
        "UPDATE auth.login_attempts SET locked_until = now() - interval '1 second'"
        " WHERE org_id = $1 AND locked_until IS NOT NULL",
        tenant.org_id,
    )


async def counter(db: asyncpg.Connection, tenant: Tenant, scope: str) -> Any:
    return await db.fetchrow(
        "SELECT * FROM auth.login_attempts WHERE org_id = $1 AND scope = $2 AND failures > 0",
        tenant.org_id,
        scope,
    )
