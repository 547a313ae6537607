"""No way around a revocation (issue 9, findings 1-5), through the real gateway and auth."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from servelo_common.identity import IDENTITY_HEADER, Identity, encode_identity
from servelo_dev.devstack.embedded import free_port
from servelo_dev.testing.plugin import TestStack
from servelo_dev.testing.tenants import Tenant, eventually, login


async def refused(client: Any, path: str = "/api/auth/me", *, timeout: float = 1.0) -> None:
    """The token is refused (401) within `timeout` seconds: the contract's "within a second"."""

    async def check() -> None:
        resp = await client.get(path)
        assert resp.status == 401, resp

    await eventually(check, timeout=timeout)


def gateway_log_count(stack: TestStack, text: str) -> int:
    return stack.log_tail("gateway", size=10_000_000).count(text)


@pytest.mark.slow
async def test_a_resync_does_not_hide_a_later_demotion(stack: Any, tenant: Tenant) -> None:
    """Finding 1: promoted (a revocation), signs in, the gateway resyncs (re-applying that
    revocation), then demoted and deactivated: the sign-in's token must be refused."""
    if not stack.can_restart_nats:
        pytest.skip("NATS is external to this test session")
    user = await tenant.create_user("technician")
    uid = user.user["id"]
    assert (await tenant.admin.put(f"/api/users/{uid}", json={"role": "admin"})).status == 200
    promoted = await login(tenant.anon, user.email, user.password)
    assert (await promoted.get("/api/users")).status == 200  # cached at the gateway now

    loads = gateway_log_count(stack, "org registry loaded")
    stack.stop_nats()
    stack.start_nats()

    async def resynced() -> None:
        assert gateway_log_count(stack, "org registry loaded") > loads

    await eventually(resynced, timeout=20)
    assert (await promoted.get("/api/users")).status == 200  # not revoked by the resync

    assert (await tenant.admin.put(f"/api/users/{uid}", json={"role": "technician"})).status == 200
    assert (await tenant.admin.put(f"/api/users/{uid}/deactivate")).status == 200
    # Auth's relay may still be reconnecting after the restart: allow it a few seconds.
    await refused(promoted, "/api/users", timeout=15)
    invite = await promoted.post(
        "/api/users/invite",
        json={"email": f"x-{uid[:6]}@example.com", "name": "X", "role": "admin"},
    )
    assert invite.status == 401


async def test_a_recreated_slug_is_another_org(stack: Any, http: aiohttp.ClientSession) -> None:
    """Finding 3: delete org gamma, create a new gamma: the old admin's token is refused."""
    sysadmin = await stack.system_admin(http)
    slug = "gamma-" + secrets.token_hex(4)

    async def create(email: str) -> Any:
        password = "pw-" + secrets.token_urlsafe(12)
        resp = await sysadmin.post(
            "/api/admin/orgs",
            json={
                "slug": slug,
                "name": "Gamma",
                "plan": "pro",
                "admin": {"email": email, "name": "Admin", "password": password},
            },
        )
        assert resp.status == 201, resp
        return await login(stack.client(http, slug), email, password)

    old_admin = await create(f"old@{slug}.example.com")
    assert (await old_admin.get("/api/users")).status == 200
    assert (await sysadmin.delete(f"/api/admin/orgs/{slug}")).status == 200

    new_admin = await create(f"new@{slug}.example.com")
    assert (await new_admin.get("/api/users")).status == 200
    for method, path in (("GET", "/api/users"), ("GET", "/api/tickets")):
        resp = await old_admin.request(method, path)
        assert resp.status == 401, (path, resp)
    invite = await old_admin.post(
        "/api/users/invite",
        json={"email": f"evil@{slug}.example.com", "name": "E", "role": "admin"},
    )
    assert invite.status == 401


async def test_refresh_reuse_refuses_the_access_tokens_of_the_family(tenant: Tenant) -> None:
    """Finding 4: a rotated refresh token presented again ends the family, access tokens
    included (the one the rotation issued too)."""
    user = await tenant.create_user()
    rotated = await tenant.anon.post(
        "/api/auth/refresh", json={"refresh_token": user.refresh_token}
    )
    assert rotated.status == 200
    after = user.with_token(rotated.json["access_token"])
    assert (await after.get("/api/auth/me")).status == 200
    reuse = await tenant.anon.post("/api/auth/refresh", json={"refresh_token": user.refresh_token})
    assert reuse.status == 401
    await refused(after)
    await refused(user)
    latest = await tenant.anon.post(
        "/api/auth/refresh", json={"refresh_token": rotated.json["refresh_token"]}
    )
    assert latest.status == 401
    # Another session of the same user is not that family: it goes on.
    other = await login(tenant.anon, user.email, user.password)
    assert (await other.get("/api/auth/me")).status == 200


async def test_logout_refuses_that_sessions_access_token_only(tenant: Tenant) -> None:
    user = await tenant.create_user()
    other = await login(tenant.anon, user.email, user.password)
    out = await user.post("/api/auth/logout", json={"refresh_token": user.refresh_token})
    assert out.status == 200
    await refused(user)
    assert (await other.get("/api/auth/me")).status == 200


async def test_an_old_identity_header_is_refused_by_the_services(
    stack: Any, http: aiohttp.ClientSession, tenant: Tenant
) -> None:
    """Finding 5: a captured `X-Servelo-Identity` replays for seconds, not forever."""
    ident = Identity(
        org_id=tenant.org_id,
        org_slug=tenant.slug,
        user_id=tenant.admin.user["id"],
        role="admin",
        session_id=None,
        token_iat=time.time(),
    )
    for service, path in (("tickets", "/api/tickets"), ("auth", "/api/users")):
        url = stack.service_url(service) + path
        fresh = encode_identity(ident, stack.internal_secret)
        async with http.get(url, headers={IDENTITY_HEADER: fresh}) as resp:
            assert resp.status == 200, (service, await resp.text())
        old = encode_identity(ident, stack.internal_secret, signed_at=time.time() - 60)
        async with http.get(url, headers={IDENTITY_HEADER: old}) as resp:
            assert resp.status == 401, (service, await resp.text())


class NatsLink:
    """A TCP relay to NATS that a test can freeze: the client stays connected and hears
    nothing (a replica whose events are late), with no fake NATS anywhere."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.frozen = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> NatsLink:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        for src, dst, frozen_ok in ((reader, up_writer, True), (up_reader, writer, False)):
            task = asyncio.ensure_future(self._pipe(src, dst, freezes=not frozen_ok))
            self._tasks.add(task)

    async def _pipe(
        self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, *, freezes: bool
    ) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while data := await src.read(65536):
                if freezes and self.frozen.is_set():
                    continue  # server -> client: swallowed while frozen
                dst.write(data)
                await dst.drain()
        dst.close()


@pytest.fixture
async def frozen_replica(stack: Any) -> AsyncIterator[tuple[str, NatsLink]]:
    """A second gateway replica whose NATS link the test can freeze."""
    host, _, port = stack.nats_url.removeprefix("nats://").rpartition(":")
    async with NatsLink((host, int(port))) as link:
        name = "gateway-replica-" + secrets.token_hex(3)
        proc = await asyncio.to_thread(
            stack.stack.start_gateway,
            name,
            free_port(),
            {"SERVELO_NATS_URL": f"nats://127.0.0.1:{link.port}"},
        )
        try:
            yield f"http://127.0.0.1:{proc.port}", link
        finally:
            await asyncio.to_thread(stack.stack.stop_process, name)


async def test_a_new_org_signs_in_at_once_on_a_replica_that_has_not_heard_of_it(
    stack: Any, http: aiohttp.ClientSession, frozen_replica: tuple[str, NatsLink]
) -> None:
    """The 201 of `POST /api/admin/orgs` is followed by a working sign-in on every replica,
    even one whose `org-created` event has not arrived (a registry miss asks auth)."""
    url, link = frozen_replica
    link.frozen.set()
    sysadmin = await stack.system_admin(http)
    slug = "fresh-" + secrets.token_hex(4)
    password = "pw-" + secrets.token_urlsafe(12)
    created = await sysadmin.post(
        "/api/admin/orgs",
        json={
            "slug": slug,
            "name": "Fresh",
            "plan": "pro",
            "admin": {"email": f"a@{slug}.example.com", "name": "A", "password": password},
        },
    )
    assert created.status == 201, created
    replica = stack.client(http, slug)
    replica.base_url = url
    resp = await replica.post(
        "/api/auth/login", json={"email": f"a@{slug}.example.com", "password": password}
    )
    assert resp.status == 200, resp  # no retry: at once
    me = await replica.with_token(resp.json["access_token"]).get("/api/auth/me")
    assert me.status == 200
    unknown = stack.client(http, "nobody-" + secrets.token_hex(4))
    unknown.base_url = url
    assert (await unknown.get("/api/auth/me")).status == 404
