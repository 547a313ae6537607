"""The docs page at /api/docs through the real gateway (in process, real sockets): same-origin
assets only under a strict CSP, each asset with its type, unknown and traversing paths 404,
behind the same admission as /api/openapi.json."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest

from gateway import apidocs

HOST = "acme.localhost"


def request(path: str, *, method: str = "GET", host: str = HOST) -> bytes:
    return f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()


def split(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        assert name.lower() not in headers, f"{name} twice"
        headers[name.lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


def references(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]+)""", html)


async def test_the_page_is_html_under_a_strict_csp_with_same_origin_assets_only(
    gateway_factory: Any, raw_request: Any
) -> None:
    gw = await gateway_factory()
    status, headers, body = split(await raw_request(gw.port, request("/api/docs")))
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["x-content-type-options"] == "nosniff"
    assert int(headers["content-length"]) == len(body)
    csp = {d.split()[0]: d.split()[1:] for d in headers["content-security-policy"].split("; ") if d}
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"] and csp["frame-ancestors"] == ["'none'"]
    for sources in csp.values():  # no other host, nothing inline or evaluated
        assert not any(s.startswith(("http", "'unsafe")) or s == "*" for s in sources)
    html = body.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", html)  # no inline script
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", html)
    refs = references(html)
    assert refs and all(r.startswith("/api/docs/assets/") for r in refs), refs
    assert any(r.split("?")[0].endswith(".js") for r in refs)
    assert any(r.split("?")[0].endswith(".css") for r in refs)


@pytest.mark.parametrize(
    ("suffix", "ctype"),
    [
        (".js", "text/javascript; charset=utf-8"),
        (".css", "text/css; charset=utf-8"),
        (".png", "image/png"),
    ],
)
async def test_every_asset_the_page_names_answers_with_its_type(
    gateway_factory: Any, raw_request: Any, suffix: str, ctype: str
) -> None:
    gw = await gateway_factory()
    _, _, page = split(await raw_request(gw.port, request("/api/docs")))
    named = [r for r in references(page.decode()) if r.split("?")[0].endswith(suffix)]
    assert named
    for ref in named:
        status, headers, body = split(await raw_request(gw.port, request(ref)))
        assert status == 200, ref
        assert headers["content-type"] == ctype
        assert headers["x-content-type-options"] == "nosniff"
        assert "immutable" in headers["cache-control"]  # the URL changes with the bytes
        assert len(body) == int(headers["content-length"]) > 0
    bundle = apidocs.SWAGGER_UI.joinpath("swagger-ui-bundle.js").read_bytes()
    js = [r for r in named if "swagger-ui-bundle.js" in r]
    if js:  # the wheel's own bytes, unchanged
        assert split(await raw_request(gw.port, request(js[0])))[2] == bundle


async def test_head_gives_the_headers_without_the_body(
    gateway_factory: Any, raw_request: Any
) -> None:
    gw = await gateway_factory()
    _, get_headers, body = split(await raw_request(gw.port, request("/api/docs")))
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    writer.write(request("/api/docs", method="HEAD") + request("/healthz"))
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    status, headers, _ = split(head)
    assert status == 200 and headers["content-length"] == str(len(body))
    assert headers["content-security-policy"] == get_headers["content-security-policy"]
    # No body followed: the next answer on the connection is the probe's.
    assert (await asyncio.wait_for(reader.readuntil(b"\r\n"), 10)).startswith(b"HTTP/1.1 200")
    writer.close()


async def test_an_unknown_asset_is_the_contract_404(gateway_factory: Any, raw_request: Any) -> None:
    gw = await gateway_factory()
    for path in (
        "/api/docs/assets/nope.js",
        "/api/docs/assets/",  # canonical: /api/docs/assets
        "/api/docs/assets/swagger-ui-bundle.js.map",
        "/api/docs/assets/index.html",  # in the wheel, not in the table
        "/api/docs/other",
    ):
        status, headers, body = split(await raw_request(gw.port, request(path)))
        assert status == 404, path
        assert headers["content-type"] == "application/json"
        error = json.loads(body)
        assert error["error"] == "Not found" and error["code"] == "not_found"
        assert error["request_id"] == headers["x-request-id"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/docs/assets/../../../../etc/passwd",
        "/api/docs/assets/../__init__.py",
        "/api/docs/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/api/docs/assets/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/api/docs/assets/..%2f..%2fetc%2fpasswd",
        "/api/docs/assets/..%5c..%5cetc%5cpasswd",
        "/api/docs/assets/..\\..\\__init__.py",
        "/api/docs/assets/%252e%252e/etc/passwd",
        "/api/docs/assets//etc/passwd",
        "/api/docs/assets/swagger-ui.css%00.png",
        "/api/docs/assets/./swagger-ui.css",
    ],
)
async def test_a_traversing_path_never_leaves_the_asset_table(
    gateway_factory: Any, raw_request: Any, path: str
) -> None:
    gw = await gateway_factory()
    raw = await raw_request(gw.port, request(path), read_until_close=False)
    status, headers, body = split(raw)
    assert status in (400, 404), (path, raw[:120])
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["code"] in ("not_found", "bad_request")
    assert b"root:" not in body and b"import" not in body


async def test_docs_need_a_known_tenant_and_are_rate_limited_like_the_document(
    gateway_factory: Any, raw_request: Any
) -> None:
    gw = await gateway_factory(ratelimit_anonymous_per_minute=2)
    unknown = await raw_request(gw.port, request("/api/docs", host="nobody.localhost"))
    assert unknown.startswith(b"HTTP/1.1 404") and b"Unknown tenant" in unknown
    frozen = await raw_request(gw.port, request("/api/docs", host="frozen.localhost"))
    assert frozen.startswith(b"HTTP/1.1 403")
    for host in ("acme.localhost", "other.localhost"):  # any tenant's host
        assert (await raw_request(gw.port, request("/api/docs", host=host))).startswith(
            b"HTTP/1.1 200"
        )
    limited = await raw_request(gw.port, request("/api/docs/assets/index.css"))
    assert limited.startswith(b"HTTP/1.1 429") and b"Retry-After:" in limited


async def test_the_files_are_read_once(gateway_factory: Any, raw_request: Any) -> None:
    gw = await gateway_factory()
    docs = gw.gw.docs
    reads: list[str] = []

    class Counting:
        def __init__(self, root: Any) -> None:
            self.root = root

        def joinpath(self, name: str) -> Any:
            reads.append(name)
            return self.root.joinpath(name)

    docs.root = Counting(docs.root)
    for _ in range(3):
        await raw_request(gw.port, request("/api/docs"))
        await raw_request(gw.port, request("/api/docs/assets/index.css"))
    assert sorted(reads) == sorted(set(reads)) and reads  # each file once


async def test_answers_respect_back_pressure(gateway_factory: Any, raw_request: Any) -> None:
    """A client that reads nothing is not sent megabytes of the bundle it asked for 500
    times: the gateway stops at the socket's buffer and drops it after the send timeout."""
    gw = await gateway_factory(
        gateway_max_pipelined=1024, gateway_send_timeout=0.5, ratelimit_anonymous_per_minute=0
    )
    page = split(await raw_request(gw.port, request("/api/docs")))[2]
    bundle = next(r for r in references(page.decode()) if "swagger-ui-bundle.js" in r)
    _, writer = await asyncio.open_connection("127.0.0.1", gw.port)
    writer.write(request(bundle) * 500)  # ~750 MB of answers if all were sent
    await asyncio.sleep(0.3)
    conn = next(iter(gw.gw.connections))
    assert conn.transport.get_write_buffer_size() < 4 * 1024 * 1024
    for _ in range(100):
        if not gw.gw.connections:
            break
        await asyncio.sleep(0.1)
    assert not gw.gw.connections
    writer.close()
