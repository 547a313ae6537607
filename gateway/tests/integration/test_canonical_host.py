"""One canonical Host through the real gateway and services (issue 10): what the gateway
routes by is what services see, and no absolute URL a service builds comes from it."""

from __future__ import annotations

import asyncio
from typing import Any

from servelo_dev.testing.tenants import Tenant


async def raw(stack: Any, data: bytes) -> bytes:
    port = int(stack.gateway_url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        return await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()


async def test_two_host_headers_are_400(stack: Any, tenant: Tenant) -> None:
    resp = await raw(
        stack,
        (
            f"GET /api/auth/me HTTP/1.1\r\nHost: {tenant.admin.host}\r\nHost: evil.example\r\n"
            f"Authorization: Bearer {tenant.admin.token}\r\nConnection: close\r\n\r\n"
        ).encode(),
    )
    assert resp.startswith(b"HTTP/1.1 400 "), resp[:200]
    assert b"Invalid Host header" in resp


async def test_a_host_with_userinfo_and_a_path_is_400(tenant: Tenant) -> None:
    client = tenant.admin.on_host(f"{tenant.slug}.localhost:@evil.example/steal?")
    resp = await client.get("/api/users", params={"limit": "1"})
    assert resp.status == 400, resp


async def test_the_next_page_link_names_the_configured_public_url(
    stack: Any, tenant: Tenant
) -> None:
    await tenant.create_user()
    await tenant.create_user()
    # A valid Host with another port and case: the Link still names the public URL.
    client = tenant.admin.on_host(f"{tenant.slug.upper()}.LOCALHOST:1")
    resp = await client.get("/api/users", params={"limit": "1"})
    assert resp.status == 200, resp
    port = stack.gateway_url.rsplit(":", 1)[1]
    assert resp.headers["Link"].startswith(f"<http://{tenant.slug}.localhost:{port}/api/users?")


async def test_a_trailing_slash_is_never_a_redirect(stack: Any, tenant: Tenant) -> None:
    """Starlette's redirect_slashes answered 307 naming the service's own address. The
    gateway's canonical path drops a trailing slash (routing.canonical_path), so the route
    is the same one, answered in place: no redirect, no Location."""
    for method, path in (("POST", "/api/auth/login/"), ("GET", "/api/tickets/")):
        body: dict[str, str] | None = {} if method == "POST" else None
        slashed = await tenant.admin.request(method, path, json=body)
        plain = await tenant.admin.request(method, path.rstrip("/"), json=body)
        assert slashed.status == plain.status and not 300 <= slashed.status < 400, (path, slashed)
        assert "Location" not in slashed.headers
