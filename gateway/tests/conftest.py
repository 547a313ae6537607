"""Shared fixtures: keys and tokens, a real upstream HTTP server, an in-process gateway."""

from __future__ import annotations

import sys

# pytest's importlib mode names this file `gateway.tests.conftest` and registers the
# folder `gateway/` (no __init__) as a namespace module `gateway`, which shadows the real
# `gateway` package (gateway/gateway/). Drop that stand-in so the real package imports.
if getattr(sys.modules.get("gateway"), "__file__", None) is None:
    sys.modules.pop("gateway", None)

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import jwt
import pytest
import uvloop
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from gateway.app import Gateway
from gateway.config import Settings
from gateway.jwtverify import FastJwtVerifier
from gateway.server import start_server
from gateway.tenants import OrgRegistry
from gateway.tokens import Authenticator
from jwt.algorithms import OKPAlgorithm

SECRET = "test-secret-0123456789abcdef0123456789"
ORGS = [
    {
        "id": "11111111-1111-1111-1111-111111111111",
        "slug": "acme",
        "name": "Acme",
        "plan": "pro",
        "active": True,
    },
    {
        "id": "22222222-2222-2222-2222-222222222222",
        "slug": "frozen",
        "name": "Frozen",
        "plan": "free",
        "active": False,
    },
    {
        "id": "33333333-3333-3333-3333-333333333333",
        "slug": "other",
        "name": "Other",
        "plan": "pro",
        "active": True,
    },
]


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "internal_secret": SECRET,
        "nats_url": "nats://127.0.0.1:1",
        "auth_url": "http://127.0.0.1:1",
        "tickets_url": "",
        "crm_url": "",
        "finance_url": "",
        "team_url": "",
        "webhooks_url": "",
    }
    values.update(overrides)
    return Settings(**values)


class Keys:
    def __init__(self, kid: str = "k1") -> None:
        self.kid = kid
        self.private = Ed25519PrivateKey.generate()
        jwk = OKPAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.jwks = {"keys": [{**jwk, "kid": kid, "alg": "EdDSA", "use": "sig"}]}

    def token(
        self,
        *,
        org: str = "acme",
        sub: str = "user-1",
        role: str = "admin",
        iat: float | None = None,
        exp: float | None = None,
        **extra: Any,
    ) -> str:
        now = time.time() if iat is None else iat
        org_ids = {o["slug"]: o["id"] for o in ORGS}
        claims = {
            "sub": sub,
            "org": org,
            "org_id": org_ids.get(org, "00000000-0000-0000-0000-000000000000"),
            "role": role,
            "iat": round(now, 3),
            "exp": exp if exp is not None else now + 900,
            "jti": uuid.uuid4().hex,
            "sid": "session-1",
            "iss": "servelo",
            "aud": "servelo-api",
            **extra,
        }
        claims = {k: v for k, v in claims.items() if v is not None}  # None: leave it out
        return jwt.encode(claims, self.private, algorithm="EdDSA", headers={"kid": self.kid})


def pytest_asyncio_loop_factories(config: Any, item: Any) -> dict[str, Callable[[], Any]]:
    """The gateway runs on uvloop in production; test it there."""
    return {"uvloop": uvloop.new_event_loop}


@pytest.fixture
def keys() -> Keys:
    return Keys()


@pytest.fixture
def secret() -> bytes:
    return SECRET.encode()


@pytest.fixture
def settings_factory() -> Callable[..., Settings]:
    return make_settings


@pytest.fixture
def keys_factory() -> Callable[[str], Keys]:
    return Keys


def build_gateway(settings: Settings, keys: Keys) -> Gateway:
    registry = OrgRegistry()
    registry.load(ORGS)
    verifier = FastJwtVerifier(issuer="servelo", audience="servelo-api")
    authenticator = Authenticator(verifier=verifier, secret=settings.secret)
    authenticator.set_jwks(keys.jwks)
    return Gateway.from_settings(settings, registry=registry, authenticator=authenticator)


class Upstream:
    """A real HTTP service for the gateway to proxy to; handlers set per test."""

    def __init__(self) -> None:
        self.app = web.Application(client_max_size=64 * 1024 * 1024)
        self.requests: list[web.Request] = []
        self.port = 0
        self.url = ""
        self.runner: web.AppRunner | None = None

    def route(self, method: str, path: str) -> Callable[[Any], Any]:
        def register(handler: Any) -> Any:
            self.app.router.add_route(method, path, handler)
            return handler

        return register


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    up = Upstream()

    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        return web.json_response(
            {
                "method": request.method,
                "raw_path": request.raw_path,
                "headers": [[k, v] for k, v in request.headers.items()],
                "body_len": len(body),
            }
        )

    up.app.router.add_route("*", "/api/tickets/echo", echo)
    up.app.router.add_route("*", "/api/tickets/echo/{tail:.*}", echo)
    up.app.router.add_route("*", "/api/auth/{tail:.*}", echo)
    yield up
    if up.runner is not None:
        await up.runner.cleanup()


async def start_upstream(up: Upstream) -> None:
    up.runner = web.AppRunner(up.app, access_log=None)
    await up.runner.setup()
    site = web.TCPSite(up.runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    # asyncio's and uvloop's servers both have `sockets`; AbstractServer does not say so.
    up.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    up.url = f"http://127.0.0.1:{up.port}"


class RunningGateway:
    def __init__(self, gw: Gateway, server: asyncio.Server) -> None:
        self.gw = gw
        self.server = server
        self.port = server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"


@pytest.fixture
async def gateway_factory(upstream: Upstream, keys: Keys) -> AsyncIterator[Callable[..., Any]]:
    running: list[RunningGateway] = []

    async def factory(**overrides: Any) -> RunningGateway:
        if not upstream.url:
            await start_upstream(upstream)
        overrides.setdefault("tickets_url", upstream.url)
        overrides.setdefault("auth_url", upstream.url)
        settings = make_settings(**overrides)
        gw = build_gateway(settings, keys)
        server = await start_server(gw, "127.0.0.1", 0)
        rg = RunningGateway(gw, server)
        running.append(rg)
        return rg

    yield factory
    for rg in running:
        rg.server.close()
        for conn in list(rg.gw.connections):
            conn.abort()  # type: ignore[attr-defined]
        rg.gw.pool.close_all()
        await rg.server.wait_closed()
    await asyncio.sleep(0)


@pytest.fixture
def raw_request() -> Callable[..., Any]:
    return send_raw


async def send_raw(port: int, data: bytes, *, read_until_close: bool = False) -> bytes:
    """Send raw bytes, return the raw response (one response, or all until close)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        if read_until_close:
            return await asyncio.wait_for(reader.read(), 10)
        return await read_response(reader)
    finally:
        writer.close()
        await writer.wait_closed()


async def read_response(reader: asyncio.StreamReader) -> bytes:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    lower = head.lower()
    if b"content-length:" in lower:
        n = int(lower.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
        return head + await asyncio.wait_for(reader.readexactly(n), 10)
    if b"transfer-encoding: chunked" in lower:
        body = b""
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.strip(), 16)
            chunk = await reader.readexactly(size + 2)
            body += size_line + chunk
            if size == 0:
                return head + body
    return head
