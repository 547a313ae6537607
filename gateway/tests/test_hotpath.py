"""Hot-path shortcuts keep the observable behaviour: a connection's remembered
Authorization header never outlives the token's expiry, its cache entry or its tenant;
a response head held for its body is not held when the body is late."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
from aiohttp import web

HOST = "acme.localhost"


async def test_repeated_token_on_one_connection_still_expires_and_is_tenant_bound(
    gateway_factory: Any, keys: Any
) -> None:
    gw = await gateway_factory()
    token = keys.token(sub="u7")
    headers = {"Host": HOST, "Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=1)  # one keep-alive connection throughout
    async with aiohttp.ClientSession(connector=connector) as session:
        for _ in range(3):
            async with session.get(gw.url + "/api/tickets/echo", headers=headers) as resp:
                assert resp.status == 200
        other = {**headers, "Host": "other.localhost"}
        async with session.get(gw.url + "/api/tickets/echo", headers=other) as resp:
            assert resp.status == 401
            assert (await resp.json())["error"] == "Invalid token"
        async with session.get(gw.url + "/api/tickets/echo", headers=headers) as resp:
            assert resp.status == 200
        gw.gw.authenticator.clock = lambda: time.time() + 3600
        async with session.get(gw.url + "/api/tickets/echo", headers=headers) as resp:
            assert resp.status == 401
            assert (await resp.json())["error"] == "Token expired"
    assert len(gw.gw.connections) <= 1


async def test_a_head_whose_body_is_late_is_not_held_back(
    gateway_factory: Any, keys: Any, upstream: Any
) -> None:
    """The head waits a few ms for its body (one write); a slow body does not delay it."""
    body_may_go = asyncio.Event()

    async def slow_body(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        resp.content_length = 10
        await resp.prepare(request)
        await asyncio.wait_for(body_may_go.wait(), 10)
        await resp.write(b"0123456789")
        return resp

    upstream.app.router.add_get("/api/tickets/slow-body", slow_body)
    gw = await gateway_factory()
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    writer.write(
        (
            f"GET /api/tickets/slow-body HTTP/1.1\r\nHost: {HOST}\r\n"
            f"Authorization: Bearer {keys.token()}\r\n\r\n"
        ).encode()
    )
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2)
    assert head.startswith(b"HTTP/1.1 200") and b"Content-Length: 10" in head
    body_may_go.set()
    assert await asyncio.wait_for(reader.readexactly(10), 5) == b"0123456789"
    writer.close()
    await writer.wait_closed()
