"""The gateway's limits one by one, in process against a real upstream: head size (431 /
414), header and idle timeouts, connection caps, pipelining, write back-pressure, one
canonical Host, local answers behind admission (issue 10)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from aiohttp import web

HOST = "acme.localhost"


def echo_of(raw: bytes) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(raw.split(b"\r\n\r\n", 1)[1])
    return result


def request(path: str, *lines: str, host: str | None = HOST, token: str = "") -> bytes:
    head = [f"GET {path} HTTP/1.1"]
    if host is not None:
        head.append(f"Host: {host}")
    if token:
        head.append(f"Authorization: Bearer {token}")
    head.extend(lines)
    return ("\r\n".join(head) + "\r\n\r\n").encode()


async def closed_within(reader: asyncio.StreamReader, seconds: float) -> bytes:
    """Everything until the gateway closes; fails if it has not closed in time."""
    return await asyncio.wait_for(reader.read(), seconds)


# -- request head size -------------------------------------------------------------


async def test_a_head_up_to_the_cap_passes_and_past_it_is_431(
    gateway_factory: Any, keys: Any, raw_request: Any
) -> None:
    gw = await gateway_factory(gateway_max_header_bytes=4096)
    base = request("/api/tickets/echo", "X-Pad: ", token=keys.token())
    pad = 4096 - len(base) - 40  # a little under the cap, whatever the token's length
    ok = await raw_request(
        gw.port, request("/api/tickets/echo", f"X-Pad: {'p' * pad}", token=keys.token())
    )
    assert ok.startswith(b"HTTP/1.1 200"), ok[:100]
    big = request("/api/tickets/echo", f"X-Pad: {'p' * 5000}", token=keys.token())
    refused = await raw_request(gw.port, big, read_until_close=True)
    assert refused.startswith(b"HTTP/1.1 431 "), refused[:100]
    assert b'"error":"Request header fields too large"' in refused
    many = request("/api/tickets/echo", *(f"X-H{i}: v" for i in range(1000)))
    assert (await raw_request(gw.port, many, read_until_close=True)).startswith(b"HTTP/1.1 431")


async def test_more_than_100_header_fields_is_431(gateway_factory: Any, raw_request: Any) -> None:
    """Many tiny fields cost far more held (a tuple and two objects each) than their bytes."""
    gw = await gateway_factory()
    ok = await raw_request(gw.port, request("/healthz", *(f"X-H{i}: v" for i in range(90))))
    assert ok.startswith(b"HTTP/1.1 200")
    many = request("/healthz", *(f"X-H{i}: v" for i in range(150)))
    assert (await raw_request(gw.port, many, read_until_close=True)).startswith(b"HTTP/1.1 431")
    # Also while the head is still incomplete: refused before it ends.
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    writer.write(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n".encode() + b"a: b\r\n" * 500)
    reply = await closed_within(reader, 5)
    writer.close()
    assert reply.startswith(b"HTTP/1.1 431 ")


async def test_a_long_request_line_is_414(gateway_factory: Any, raw_request: Any) -> None:
    gw = await gateway_factory(gateway_max_header_bytes=4096)
    resp = await raw_request(gw.port, request("/api/tickets/" + "a" * 5000), read_until_close=True)
    assert resp.startswith(b"HTTP/1.1 414 "), resp[:100]


async def test_a_huge_header_in_small_reads_is_refused_early(gateway_factory: Any) -> None:
    """The cap is counted on the bytes read, not on what the parser hands over (httptools
    hands a header over only once it is complete)."""
    gw = await gateway_factory(gateway_max_header_bytes=4096)
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    writer.write(f"GET /api/tickets/echo HTTP/1.1\r\nHost: {HOST}\r\nX-Big: ".encode())
    sent = 0
    answer = asyncio.ensure_future(reader.read(4096))
    while not answer.done() and sent < 4 * 1024 * 1024:
        writer.write(b"x" * 1000)
        sent += 1000
        await writer.drain()
        await asyncio.sleep(0)
    reply = await asyncio.wait_for(answer, 5)
    writer.close()
    assert reply.startswith(b"HTTP/1.1 431 ")
    assert sent < 1024 * 1024


# -- time --------------------------------------------------------------------------


async def test_a_slow_head_is_408_after_the_header_timeout(gateway_factory: Any) -> None:
    gw = await gateway_factory(gateway_header_timeout=0.5)
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    started = time.monotonic()
    writer.write(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n".encode())
    for _ in range(5):  # bytes keep coming, the head never ends
        await asyncio.sleep(0.2)
        if reader.at_eof():
            break
        writer.write(b"X-A: b\r\n")
    reply = await closed_within(reader, 5)
    writer.close()
    assert reply.startswith(b"HTTP/1.1 408 "), reply[:100]
    assert time.monotonic() - started < 3


async def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(
    gateway_factory: Any,
) -> None:
    gw = await gateway_factory(gateway_header_timeout=0.5)
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    assert await closed_within(reader, 5) == b""  # nothing to answer: just closed
    writer.close()


async def test_the_header_timeout_counts_from_each_heads_first_byte(
    gateway_factory: Any, keys: Any
) -> None:
    """A keep-alive connection may wait between requests longer than the header timeout."""
    gw = await gateway_factory(gateway_header_timeout=0.5)
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    for _ in range(2):
        writer.write(request("/healthz"))
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert head.startswith(b"HTTP/1.1 200")
        await asyncio.wait_for(reader.readexactly(15), 5)
        await asyncio.sleep(0.8)
    writer.close()


async def test_a_slow_login_body_is_408(gateway_factory: Any) -> None:
    """The gateway waits for a login body (its rate-limit key): not forever."""
    gw = await gateway_factory(gateway_routes={"/api/auth": {"service": "auth", "timeout": 0.5}})
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    writer.write(
        f"POST /api/auth/login HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 100\r\n\r\n{{".encode()
    )
    reply = await closed_within(reader, 5)
    writer.close()
    assert reply.startswith(b"HTTP/1.1 408 "), reply[:100]


async def test_idle_keep_alive_connections_are_closed(gateway_factory: Any) -> None:
    from gateway.server import _housekeeping

    gw = await gateway_factory(gateway_keepalive_timeout=0.4)
    sweep = asyncio.ensure_future(_housekeeping(gw.gw))
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
        writer.write(request("/healthz"))
        await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        await asyncio.wait_for(reader.readexactly(15), 5)
        assert await closed_within(reader, 3) == b""
        writer.close()
    finally:
        sweep.cancel()


# -- connections -------------------------------------------------------------------


async def test_past_the_per_address_cap_a_connection_is_refused_at_once(
    gateway_factory: Any,
) -> None:
    gw = await gateway_factory(gateway_max_connections_per_ip=3)
    held = [await asyncio.open_connection("127.0.0.1", gw.port) for _ in range(3)]
    await asyncio.sleep(0.05)
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    reply = await closed_within(reader, 2)
    writer.close()
    assert reply.startswith(b"HTTP/1.1 429 "), reply
    assert b"Retry-After: 1\r\n" in reply and b"Too many connections" in reply
    # Another address has its own count.
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", gw.port, local_addr=("127.0.0.2", 0)
    )
    writer.write(request("/healthz", "Connection: close"))
    assert (await closed_within(reader, 2)).startswith(b"HTTP/1.1 200")
    writer.close()
    for _, w in held:
        w.close()
    await asyncio.sleep(0.1)
    assert gw.gw.conn_limits.by_ip == {}  # closed connections are uncounted
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    writer.write(request("/healthz", "Connection: close"))
    assert (await closed_within(reader, 2)).startswith(b"HTTP/1.1 200")
    writer.close()


async def test_past_the_total_cap_a_connection_is_refused_503(gateway_factory: Any) -> None:
    gw = await gateway_factory(gateway_max_connections=2)
    held = [await asyncio.open_connection("127.0.0.1", gw.port) for _ in range(2)]
    await asyncio.sleep(0.05)
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    reply = await closed_within(reader, 2)
    writer.close()
    for _, w in held:
        w.close()
    assert reply.startswith(b"HTTP/1.1 503 "), reply


async def test_a_trusted_proxy_is_not_capped_per_address(gateway_factory: Any) -> None:
    gw = await gateway_factory(gateway_max_connections_per_ip=1, trusted_proxies="127.0.0.1")
    held = [await asyncio.open_connection("127.0.0.1", gw.port) for _ in range(3)]
    reader, writer = held[-1]
    writer.write(request("/healthz", "Connection: close"))
    assert (await closed_within(reader, 2)).startswith(b"HTTP/1.1 200")
    for _, w in held:
        w.close()


# -- pipelining and back-pressure --------------------------------------------------


async def test_pipelining_past_the_cap_answers_the_cap_then_closes(
    gateway_factory: Any, keys: Any
) -> None:
    gw = await gateway_factory(gateway_max_pipelined=4)
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    writer.write(request("/api/tickets/echo", token=keys.token()) * 50)
    raw = await closed_within(reader, 5)
    writer.close()
    # The one in flight plus four read ahead; the rest was not read (clients retry them).
    assert raw.count(b"HTTP/1.1 200 ") == 5
    assert raw.count(b"Connection: close") == 1


async def test_pipelined_answers_wait_for_a_client_that_does_not_read(
    gateway_factory: Any, upstream: Any, keys: Any
) -> None:
    """While the client's socket is full, the next request is neither read nor started:
    the answers do not pile up in the gateway."""
    big = b"b" * (512 * 1024)
    calls = 0

    async def large(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        return web.Response(body=big)

    upstream.app.router.add_get("/api/tickets/large", large)
    gw = await gateway_factory(gateway_max_pipelined=64, gateway_send_timeout=30)
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    writer.write(request("/api/tickets/large", token=keys.token()) * 40)
    await asyncio.sleep(1.0)
    started_while_blocked = calls
    assert started_while_blocked < 20, started_while_blocked  # 40 would be 20 MiB buffered
    got = 0
    while got < 40 * len(big):
        chunk = await asyncio.wait_for(reader.read(1024 * 1024), 10)
        assert chunk
        got += len(chunk)
    writer.close()
    assert calls == 40  # all answered once the client read


async def test_local_answers_respect_back_pressure_and_the_send_timeout(
    gateway_factory: Any,
) -> None:
    from gateway.app import StaticOpenApi

    gw = await gateway_factory(gateway_max_pipelined=1024, gateway_send_timeout=0.5)
    gw.gw.openapi = StaticOpenApi(b'{"openapi":"3.1.0","x":"' + b"d" * 200_000 + b'"}')
    _, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    writer.write(request("/api/openapi.json") * 500)  # 100 MB of answers if all sent
    await asyncio.sleep(0.2)
    conn = next(iter(gw.gw.connections))
    assert conn.transport.get_write_buffer_size() < 2 * 1024 * 1024
    await asyncio.sleep(1.0)
    assert not gw.gw.connections  # aborted: it read nothing for the send timeout
    writer.close()


# -- one canonical Host ------------------------------------------------------------


@pytest.mark.parametrize(
    "hosts",
    [
        ["acme.localhost", "evil.example"],  # two: the gateway and a service could differ
        ["acme.localhost:@evil.example/steal?"],
        ["acme.localhost/x"],
        ["acme.localhost:99999"],
        ["acme.localhost:"],
        [],  # none, on HTTP/1.1
    ],
)
async def test_a_bad_host_is_400(gateway_factory: Any, raw_request: Any, hosts: list[str]) -> None:
    gw = await gateway_factory()
    lines = [f"Host: {h}" for h in hosts]
    for path in ("/healthz", "/api/auth/login"):
        resp = await raw_request(gw.port, request(path, *lines, host=None))
        assert resp.startswith(b"HTTP/1.1 400 "), (hosts, resp[:120])
        assert b"Invalid Host header" in resp


async def test_http10_without_host_reaches_the_probes(
    gateway_factory: Any, raw_request: Any
) -> None:
    gw = await gateway_factory()
    resp = await raw_request(gw.port, b"GET /healthz HTTP/1.0\r\n\r\n", read_until_close=True)
    assert resp.startswith(b"HTTP/1.1 200")


async def test_the_host_is_forwarded_lower_cased_once(
    gateway_factory: Any, keys: Any, raw_request: Any
) -> None:
    gw = await gateway_factory()
    resp = await raw_request(
        gw.port,
        request(
            "/api/tickets/echo", "Connection: Host", host="ACME.LocalHost:8080", token=keys.token()
        ),
    )
    headers = [(k.lower(), v) for k, v in echo_of(resp)["headers"]]
    assert [v for k, v in headers if k == "host"] == ["acme.localhost:8080"]
    assert dict(headers)["x-forwarded-host"] == "acme.localhost:8080"


async def test_connection_cannot_strip_end_to_end_headers(
    gateway_factory: Any, keys: Any, raw_request: Any
) -> None:
    gw = await gateway_factory()
    resp = await raw_request(
        gw.port,
        request(
            "/api/tickets/echo",
            "Connection: host, authorization, x-request-id, content-type, x-hop",
            "Content-Type: text/plain",
            "X-Request-Id: rid-1",
            "X-Hop: 1",
            token=keys.token(),
        ),
    )
    headers = {k.lower(): v for k, v in echo_of(resp)["headers"]}
    assert headers["host"] == HOST
    assert headers["authorization"].startswith("Bearer ")
    assert headers["content-type"] == "text/plain" and headers["x-request-id"] == "rid-1"
    assert "x-hop" not in headers


async def test_a_redirect_never_names_a_service_address(
    gateway_factory: Any, keys: Any, upstream: Any, raw_request: Any
) -> None:
    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect(f"http://127.0.0.1:{upstream.port}/api/tickets/echo?x=1")

    upstream.app.router.add_get("/api/tickets/redirect", redirect)
    gw = await gateway_factory()
    resp = await raw_request(gw.port, request("/api/tickets/redirect", token=keys.token()))
    assert resp.startswith(b"HTTP/1.1 307")
    assert b"\r\nLocation: /api/tickets/echo?x=1\r\n" in resp
    assert f":{upstream.port}".encode() not in resp


# -- local answers go through admission --------------------------------------------


async def test_openapi_needs_a_known_tenant_and_is_rate_limited(
    gateway_factory: Any, raw_request: Any
) -> None:
    gw = await gateway_factory(ratelimit_ip_per_minute=3)
    unknown = await raw_request(gw.port, request("/api/openapi.json", host="nobody.localhost"))
    assert unknown.startswith(b"HTTP/1.1 404") and b"Unknown tenant" in unknown
    frozen = await raw_request(gw.port, request("/api/openapi.json", host="frozen.localhost"))
    assert frozen.startswith(b"HTTP/1.1 403")
    ok = await raw_request(gw.port, request("/api/openapi.json"))
    assert ok.startswith(b"HTTP/1.1 200") and b'"openapi":"3.1.0"' in ok
    limited = await raw_request(gw.port, request("/healthz"))
    assert limited.startswith(b"HTTP/1.1 429") and b"Retry-After:" in limited
