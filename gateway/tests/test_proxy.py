"""The proxy against a real upstream HTTP server, through a real in-process gateway."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from servelo_common.identity import decode_identity

HOST = "acme.localhost"


def echo_of(raw: bytes) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(raw.split(b"\r\n\r\n", 1)[1])
    return result


async def test_identity_is_set_and_client_servelo_headers_never_reach_the_service(
    gateway_factory: Any, keys: Any, secret: bytes, raw_request: Any
) -> None:
    gw = await gateway_factory()
    token = keys.token(sub="u1", role="technician")
    resp = await raw_request(
        gw.port,
        (
            f"GET /api/tickets/echo HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {token}\r\n"
            "X-Servelo-Identity: forged\r\nx-servelo-internal: forged\r\n"
            "X-Servelo-Client-Ip: 6.6.6.6\r\n"
            "Connection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\n"
            "X-Request-Id: my-req.1\r\n\r\n"
        ).encode(),
    )
    assert resp.startswith(b"HTTP/1.1 200")
    assert b"X-Request-Id: my-req.1" in resp
    headers = {k.lower(): v for k, v in echo_of(resp)["headers"]}
    names = [k.lower() for k, _ in echo_of(resp)["headers"]]
    assert names.count("x-servelo-client-ip") == 1
    identity = decode_identity(headers["x-servelo-identity"], secret)
    assert (identity.org_slug, identity.user_id, identity.role) == ("acme", "u1", "technician")
    assert "x-servelo-internal" not in headers
    assert "x-hop" not in headers and "keep-alive" not in headers
    assert headers["x-request-id"] == "my-req.1"
    assert headers["host"] == HOST
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-servelo-client-ip"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-host"] == HOST


async def test_path_and_query_are_forwarded_byte_for_byte(
    gateway_factory: Any, keys: Any, raw_request: Any
) -> None:
    gw = await gateway_factory()
    path = "/api/tickets/echo/a%3Bb/%E2%82%ACx?y=%2F&z=a+b&w=%E2%82%AC&v=%7E//"
    resp = await raw_request(
        gw.port,
        (
            f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {keys.token()}\r\n\r\n"
        ).encode(),
    )
    assert echo_of(resp)["raw_path"] == path


@pytest.mark.parametrize(
    ("sent", "seen"),
    [
        ("/api/tickets/echo/%7Ex?y=%7E//", "/api/tickets/echo/~x?y=%7E//"),
        ("/api/tickets//echo///a/?q=1", "/api/tickets/echo/a?q=1"),
        ("/api/%74ickets/echo/a%3bb/", "/api/tickets/echo/a%3Bb"),
    ],
)
async def test_the_service_gets_the_canonical_path_the_gateway_matched(
    gateway_factory: Any, keys: Any, raw_request: Any, sent: str, seen: str
) -> None:
    """Whatever spelling the client uses, limits, policies and the service see one path."""
    gw = await gateway_factory()
    resp = await raw_request(
        gw.port,
        (
            f"GET {sent} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {keys.token()}\r\n\r\n"
        ).encode(),
    )
    assert echo_of(resp)["raw_path"] == seen


@pytest.mark.parametrize("path", ["/api/tickets/a%2Fb", "/api/tickets/%2e%2e/x", "/api/x%5Cy"])
async def test_paths_a_service_would_decode_differently_are_404(
    gateway_factory: Any, keys: Any, raw_request: Any, path: str
) -> None:
    gw = await gateway_factory()
    resp = await raw_request(
        gw.port,
        (
            f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {keys.token()}\r\n\r\n"
        ).encode(),
    )
    assert resp.startswith(b"HTTP/1.1 404"), resp


async def test_public_route_gets_an_org_only_identity(
    gateway_factory: Any, secret: bytes, raw_request: Any
) -> None:
    gw = await gateway_factory()
    body = b'{"email":"a@b.c","password":"x"}'
    resp = await raw_request(
        gw.port,
        (
            f"POST /api/auth/login HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body,
    )
    echo = echo_of(resp)
    assert echo["body_len"] == len(body)
    headers = {k.lower(): v for k, v in echo["headers"]}
    identity = decode_identity(headers["x-servelo-identity"], secret)
    assert identity.org_slug == "acme" and identity.user_id is None


async def test_tenant_and_auth_errors_have_the_contract_shape(
    gateway_factory: Any, keys: Any
) -> None:
    gw = await gateway_factory()
    cases = [
        ("nope.localhost", "/api/tickets/echo", None, 404, "Unknown tenant"),
        ("frozen.localhost", "/api/auth/login", None, 403, "Organization is suspended"),
        (HOST, "/api/nothing", keys.token(), 404, "Not found"),
        (HOST, "/api/tickets/echo", None, 401, "Authentication required"),
        (HOST, "/api/tickets/echo", "garbage", 401, "Invalid token"),
        (HOST, "/api/tickets/echo", keys.token(org="other"), 401, "Invalid token"),
        (HOST, "/api/tickets/echo", keys.token(exp=1000.0, iat=900.0), 401, "Token expired"),
    ]
    async with aiohttp.ClientSession() as session:
        for host, path, token, status, message in cases:
            headers = {"Host": host}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            method = "POST" if path.endswith("login") else "GET"
            async with session.request(method, gw.url + path, headers=headers) as resp:
                assert resp.status == status, (host, path)
                assert resp.headers["Content-Type"] == "application/json"
                body = await resp.json()
                assert body.pop("request_id") == resp.headers["X-Request-Id"]
                assert body.pop("code").islower()
                assert body == {"error": message, "message": message}
        async with session.get(gw.url + "/healthz") as resp:
            assert resp.status == 200 and await resp.json() == {"status": "ok"}
        async with session.get(gw.url + "/readyz") as resp:
            assert resp.status == 200


async def test_keep_alive_reuses_client_and_upstream_connections(
    gateway_factory: Any, keys: Any, upstream: Any
) -> None:
    peers: set[Any] = set()

    async def who(request: web.Request) -> web.Response:
        peers.add(request.transport.get_extra_info("peername") if request.transport else None)
        return web.Response(text="ok")

    upstream.app.router.add_get("/api/tickets/who", who)
    gw = await gateway_factory()
    headers = {"Host": HOST, "Authorization": f"Bearer {keys.token()}"}
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(connector=connector) as session:
        for _ in range(20):
            async with session.get(gw.url + "/api/tickets/who", headers=headers) as resp:
                assert resp.status == 200 and await resp.text() == "ok"
    assert len(peers) == 1
    assert len(gw.gw.connections) <= 1


async def test_upload_is_streamed_not_buffered(
    gateway_factory: Any, keys: Any, upstream: Any
) -> None:
    """The client sends the second half only after the service has read the first."""
    first_half_seen = asyncio.Event()
    size = 20 * 1024 * 1024
    half = size // 2

    async def upload(request: web.Request) -> web.Response:
        got = 0
        async for chunk in request.content.iter_any():
            got += len(chunk)
            if got >= half:
                first_half_seen.set()
        return web.json_response({"got": got})

    upstream.app.router.add_post("/api/tickets/1/photos", upload)
    gw = await gateway_factory()

    async def body() -> Any:
        block = b"x" * (256 * 1024)
        for _ in range(half // len(block)):
            yield block
        await asyncio.wait_for(first_half_seen.wait(), 10)
        for _ in range(half // len(block)):
            yield block

    headers = {"Host": HOST, "Authorization": f"Bearer {keys.token()}", "Content-Length": str(size)}
    async with (
        aiohttp.ClientSession() as session,
        session.post(gw.url + "/api/tickets/1/photos", data=body(), headers=headers) as resp,
    ):
        assert resp.status == 200
        assert await resp.json() == {"got": size}


async def test_chunked_upload_and_chunked_streamed_download(
    gateway_factory: Any, keys: Any, upstream: Any
) -> None:
    client_got_first = asyncio.Event()
    size = 20 * 1024 * 1024

    async def download(request: web.Request) -> web.StreamResponse:
        got = len(await request.read())
        resp = web.StreamResponse()  # no length: chunked
        await resp.prepare(request)
        block = b"y" * (256 * 1024)
        await resp.write(block)
        await asyncio.wait_for(client_got_first.wait(), 10)
        for _ in range(size // len(block) - 1):
            await resp.write(block)
        await resp.write(str(got).encode().rjust(16))
        await resp.write_eof()
        return resp

    upstream.app.router.add_post("/api/tickets/download", download)
    gw = await gateway_factory()

    async def chunks() -> Any:
        for _ in range(100):
            yield b"z" * 1000

    headers = {"Host": HOST, "Authorization": f"Bearer {keys.token()}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(gw.url + "/api/tickets/download", data=chunks(), headers=headers) as resp,
    ):
        assert resp.status == 200
        assert resp.headers["Transfer-Encoding"] == "chunked"
        received = 0
        tail = b""
        async for chunk in resp.content.iter_any():
            received += len(chunk)
            client_got_first.set()
            tail = (tail + chunk)[-16:]
        assert received == size + 16
        assert int(tail) == 100_000


async def test_head_request(
    gateway_factory: Any, keys: Any, upstream: Any, raw_request: Any
) -> None:
    async def doc(request: web.Request) -> web.Response:
        return web.Response(body=b"0123456789")

    upstream.app.router.add_get("/api/tickets/doc", doc)
    gw = await gateway_factory()
    auth = f"Authorization: Bearer {keys.token()}\r\n"
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    for _ in range(2):  # the connection stays usable after a HEAD
        writer.write(f"HEAD /api/tickets/doc HTTP/1.1\r\nHost: {HOST}\r\n{auth}\r\n".encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert head.startswith(b"HTTP/1.1 200") and b"Content-Length: 10" in head
    writer.write(f"GET /api/tickets/doc HTTP/1.1\r\nHost: {HOST}\r\n{auth}\r\n".encode())
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 200")
    assert await asyncio.wait_for(reader.readexactly(10), 5) == b"0123456789"
    writer.close()
    await writer.wait_closed()


async def test_service_down_is_503_and_slow_service_is_504(
    gateway_factory: Any, keys: Any, upstream: Any
) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.Response(text="late")

    upstream.app.router.add_get("/api/tickets/slow", slow)
    gw = await gateway_factory(
        gateway_routes={
            "/api/down": "http://127.0.0.1:1",
            "/api/tickets/slow": {"service": "tickets", "timeout": 0.3},
        },
    )
    headers = {"Host": HOST, "Authorization": f"Bearer {keys.token()}"}
    async with aiohttp.ClientSession() as session:
        async with session.get(gw.url + "/api/down/x", headers=headers) as resp:
            assert resp.status == 503
            assert (await resp.json())["error"] == "Service unavailable"
        async with session.get(gw.url + "/api/tickets/slow", headers=headers) as resp:
            assert resp.status == 504
            assert (await resp.json())["error"] == "Gateway timeout"
        async with session.get(gw.url + "/api/roles", headers=headers) as resp:
            assert resp.status == 503  # team not deployed (empty URL)


async def test_body_over_the_limit_is_413(
    gateway_factory: Any, keys: Any, raw_request: Any
) -> None:
    gw = await gateway_factory(gateway_max_body=1000)
    auth = f"Authorization: Bearer {keys.token()}\r\n"
    resp = await raw_request(
        gw.port,
        (
            f"POST /api/tickets/echo HTTP/1.1\r\nHost: {HOST}\r\n{auth}Content-Length: 5000\r\n\r\n"
        ).encode(),
    )
    assert resp.startswith(b"HTTP/1.1 413") and b"Payload too large" in resp
    chunked = (
        (
            f"POST /api/tickets/echo HTTP/1.1\r\nHost: {HOST}\r\n{auth}"
            "Transfer-Encoding: chunked\r\n\r\n"
        ).encode()
        + b"".join(b"200\r\n" + b"a" * 512 + b"\r\n" for _ in range(4))
        + b"0\r\n\r\n"
    )
    resp = await raw_request(gw.port, chunked, read_until_close=True)
    assert resp.startswith(b"HTTP/1.1 413")


@pytest.mark.parametrize("who_refuses", ["gateway", "service"])
async def test_early_answer_to_a_big_upload_reaches_the_client(
    gateway_factory: Any, keys: Any, upstream: Any, who_refuses: str
) -> None:
    """An answer sent before the client finished sending must not be lost to a TCP reset:
    the gateway drains the rest of the body before it closes. The client here behaves like
    a simple uploader: it keeps sending the whole body, then reads the answer."""

    async def refuse(request: web.Request) -> web.Response:
        return web.json_response({"error": "Too big", "message": "Too big"}, status=413)

    upstream.app.router.add_post("/api/tickets/1/photos", refuse)
    gw = await gateway_factory(**({"gateway_max_body": 1000} if who_refuses == "gateway" else {}))
    path = "/api/tickets/echo" if who_refuses == "gateway" else "/api/tickets/1/photos"
    size, block = 5 * 1024 * 1024, b"x" * (64 * 1024)
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer "
        f"{keys.token()}\r\nContent-Length: {size}\r\n\r\n".encode()
    )
    for _ in range(16):
        writer.write(block)
    await writer.drain()
    await asyncio.sleep(0.3)  # the answer is sent meanwhile
    for _ in range(size // len(block) - 16):
        writer.write(block)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


async def test_expect_continue_is_answered_by_the_gateway(gateway_factory: Any, keys: Any) -> None:
    gw = await gateway_factory()
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    writer.write(
        (
            f"POST /api/tickets/echo HTTP/1.1\r\nHost: {HOST}\r\n"
            f"Authorization: Bearer {keys.token()}\r\nContent-Length: 3\r\n"
            "Expect: 100-continue\r\n\r\n"
        ).encode()
    )
    interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    writer.write(b"abc")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 200")
    writer.close()
    await writer.wait_closed()


async def test_login_is_rate_limited_per_ip_and_email(gateway_factory: Any) -> None:
    gw = await gateway_factory(ratelimit_login_per_minute=3)
    async with aiohttp.ClientSession() as session:
        statuses = []
        for _ in range(4):
            async with session.post(
                gw.url + "/api/auth/login",
                headers={"Host": HOST},
                json={"email": "A@b.c", "password": "x"},
            ) as resp:
                statuses.append(resp.status)
                retry_after = resp.headers.get("Retry-After")
                body = await resp.json()
        assert statuses == [200, 200, 200, 429]
        assert retry_after is not None and int(retry_after) >= 1
        assert body.pop("code") == "rate_limited" and body.pop("request_id")
        assert body == {"error": "Too many requests", "message": "Too many requests"}
        async with session.post(
            gw.url + "/api/auth/login", headers={"Host": HOST}, json={"email": "other@b.c"}
        ) as resp:
            assert resp.status == 200


async def test_general_ip_limit_is_429_with_retry_after(gateway_factory: Any, keys: Any) -> None:
    gw = await gateway_factory(ratelimit_ip_per_minute=2)
    headers = {"Host": HOST, "Authorization": f"Bearer {keys.token()}"}
    async with aiohttp.ClientSession() as session:
        statuses = []
        for _ in range(3):
            async with session.get(gw.url + "/api/tickets/echo", headers=headers) as resp:
                statuses.append(resp.status)
                await resp.read()
        assert statuses == [200, 200, 429]
        assert int(resp.headers["Retry-After"]) >= 1


async def test_pipelined_requests_are_answered_in_order(gateway_factory: Any, keys: Any) -> None:
    gw = await gateway_factory()
    auth = f"Authorization: Bearer {keys.token()}\r\n"
    one = f"GET /api/tickets/echo/1 HTTP/1.1\r\nHost: {HOST}\r\n{auth}\r\n"
    two = f"GET /api/tickets/echo/2 HTTP/1.1\r\nHost: {HOST}\r\n{auth}Connection: close\r\n\r\n"
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    writer.write((one + two).encode())
    raw = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    await writer.wait_closed()
    assert raw.count(b"HTTP/1.1 200") == 2
    assert raw.index(b"/api/tickets/echo/1") < raw.index(b"/api/tickets/echo/2")


async def test_cors_preflight_and_echo(gateway_factory: Any, keys: Any) -> None:
    gw = await gateway_factory(cors_origins="https://app.example.com")
    async with aiohttp.ClientSession() as session:
        async with session.options(
            gw.url + "/api/tickets/echo",
            headers={
                "Host": HOST,
                "Origin": "https://app.example.com",
                "Access-Control-Request-Method": "POST",
            },
        ) as resp:
            assert resp.status == 204
            assert resp.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
        async with session.get(
            gw.url + "/api/tickets/echo",
            headers={
                "Host": HOST,
                "Origin": "https://app.example.com",
                "Authorization": f"Bearer {keys.token()}",
            },
        ) as resp:
            assert resp.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
        async with session.get(
            gw.url + "/api/tickets/echo",
            headers={
                "Host": HOST,
                "Origin": "https://evil.example.com",
                "Authorization": f"Bearer {keys.token()}",
            },
        ) as resp:
            assert "Access-Control-Allow-Origin" not in resp.headers


async def test_revoked_user_tokens_are_refused_at_once(gateway_factory: Any, keys: Any) -> None:
    gw = await gateway_factory()
    token = keys.token(sub="u9")
    headers = {"Host": HOST, "Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as session:
        async with session.get(gw.url + "/api/tickets/echo", headers=headers) as resp:
            assert resp.status == 200
        gw.gw.authenticator.revoke("user", "u9", 9e12)
        async with session.get(gw.url + "/api/tickets/echo", headers=headers) as resp:
            assert resp.status == 401


@pytest.mark.parametrize(
    ("scope", "subject"),
    [("user", "u9"), ("session", "session-1"), ("org", "11111111-1111-1111-1111-111111111111")],
)
async def test_every_revocation_scope_refuses_a_connections_cached_token(
    gateway_factory: Any, keys: Any, scope: str, subject: str
) -> None:
    """The same keep-alive connection repeats its Authorization header: the per-connection
    shortcut must see the revocation too, whatever its scope."""
    gw = await gateway_factory()
    headers = {"Host": HOST, "Authorization": f"Bearer {keys.token(sub='u9')}"}
    async with aiohttp.ClientSession() as session:
        for _ in range(2):  # the second request takes the per-connection shortcut
            async with session.get(gw.url + "/api/tickets/echo", headers=headers) as resp:
                assert resp.status == 200
        gw.gw.authenticator.revoke(scope, subject, 9e12)
        async with session.get(gw.url + "/api/tickets/echo", headers=headers) as resp:
            assert resp.status == 401
