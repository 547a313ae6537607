"""Which budget a request is charged to, and on which path the limits match (in-process)."""

from __future__ import annotations

import json
from typing import Any

import pytest

HOST = "acme.localhost"
LOGIN_BODY = b'{"email":"a@b.c","password":"x"}'


def request(
    method: str, path: str, *, ip: str, token: str | None = None, body: bytes = b""
) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nX-Forwarded-For: {ip}\r\n"
    if token is not None:
        head += f"Authorization: Bearer {token}\r\n"
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + body


def status_of(raw: bytes) -> int:
    return int(raw.split(b" ", 2)[1])


def retry_after(raw: bytes) -> int:
    head = raw.split(b"\r\n\r\n", 1)[0].lower()
    return int(head.split(b"retry-after:", 1)[1].split(b"\r\n", 1)[0])


async def test_sign_in_routes_are_limited_per_address_whatever_the_email(
    gateway_factory: Any, raw_request: Any
) -> None:
    gw = await gateway_factory(ratelimit_signin_ip_per_minute=3, trusted_proxies="127.0.0.1")

    async def sign_in(path: str, email: str, ip: str) -> bytes:
        body = json.dumps({"email": email, "password": "x"}).encode()
        raw: bytes = await raw_request(gw.port, request("POST", path, ip=ip, body=body))
        return raw

    answers = [await sign_in("/api/auth/login", f"u{i}@x.test", "10.0.0.1") for i in range(2)]
    answers.append(await sign_in("/api/auth/magic-link/request", "m@x.test", "10.0.0.1"))
    assert [status_of(a) for a in answers] == [200, 200, 200]
    limited = await sign_in("/api/auth/login", "new@x.test", "10.0.0.1")
    assert status_of(limited) == 429 and retry_after(limited) >= 1
    assert status_of(await sign_in("/api/auth/login", "new@x.test", "10.0.0.2")) == 200


@pytest.mark.parametrize(
    "spelling",
    [
        "/api/auth/%6cogin",
        "/api/auth/%6C%6F%67%69%6E",
        "/api/auth//login",
        "/api/auth/login/",
        "//api/%61uth///login//",
    ],
)
async def test_every_spelling_of_the_login_path_gets_the_login_limit(
    gateway_factory: Any, raw_request: Any, spelling: str
) -> None:
    gw = await gateway_factory(ratelimit_login_per_minute=2, trusted_proxies="127.0.0.1")
    answers = [
        await raw_request(gw.port, request("POST", path, ip="10.0.0.3", body=LOGIN_BODY))
        for path in ("/api/auth/login", spelling, spelling)
    ]
    assert [status_of(a) for a in answers] == [200, 200, 429]
    # ... and the service was asked for the path the limit was keyed on.
    seen = json.loads(answers[1].split(b"\r\n\r\n", 1)[1])["raw_path"]
    assert seen == "/api/auth/login"


async def test_junk_tokens_do_not_use_up_the_tenant_budget(
    gateway_factory: Any, raw_request: Any, keys: Any
) -> None:
    gw = await gateway_factory(ratelimit_tenant_per_minute=5, trusted_proxies="127.0.0.1")
    for i in range(20):
        junk = request("GET", "/api/tickets/echo", ip=f"10.1.0.{i % 3}", token=f"junk{i}")
        assert status_of(await raw_request(gw.port, junk)) == 401
    real = request("GET", "/api/tickets/echo", ip="10.2.0.1", token=keys.token())
    assert status_of(await raw_request(gw.port, real)) == 200


async def test_the_tenant_budget_still_holds_for_valid_tokens(
    gateway_factory: Any, raw_request: Any, keys: Any
) -> None:
    gw = await gateway_factory(ratelimit_tenant_per_minute=2, trusted_proxies="127.0.0.1")
    statuses = [
        status_of(
            await raw_request(
                gw.port,
                request("GET", "/api/tickets/echo", ip=f"10.3.0.{i}", token=keys.token()),
            )
        )
        for i in range(3)
    ]
    assert statuses == [200, 200, 429]


async def test_requests_without_a_valid_token_have_a_per_address_budget(
    gateway_factory: Any, raw_request: Any, keys: Any
) -> None:
    gw = await gateway_factory(ratelimit_anonymous_per_minute=3, trusted_proxies="127.0.0.1")
    answers = [
        await raw_request(gw.port, request("GET", "/api/tickets/echo", ip="10.4.0.1", token="x"))
        for _ in range(3)
    ]
    answers.append(await raw_request(gw.port, request("GET", "/api/tickets/echo", ip="10.4.0.1")))
    assert [status_of(a) for a in answers] == [401, 401, 401, 429]
    assert retry_after(answers[-1]) >= 1
    # The same address with a valid token, and another address, are not affected.
    valid = request("GET", "/api/tickets/echo", ip="10.4.0.1", token=keys.token())
    assert status_of(await raw_request(gw.port, valid)) == 200
    other = request("GET", "/api/tickets/echo", ip="10.4.0.2", token="x")
    assert status_of(await raw_request(gw.port, other)) == 401
