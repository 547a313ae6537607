"""What every route module shares: the client's address as the gateway's limits saw it."""

from __future__ import annotations

import pytest
from auth.domain import Client
from auth.routes import client_of
from starlette.requests import Request


def request(headers: dict[str, str], peer: str | None = "192.0.2.1") -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": (peer, 1234) if peer else None,
        }
    )


@pytest.mark.parametrize(
    ("headers", "ip"),
    [
        ({"X-Servelo-Client-Ip": "203.0.113.7", "X-Forwarded-For": "10.0.0.1"}, "203.0.113.7"),
        ({"X-Forwarded-For": "198.51.100.1, 10.0.0.1"}, "10.0.0.1"),
        ({}, "192.0.2.1"),
    ],
    ids=["gateway-header", "last-forwarded-hop", "peer"],
)
def test_the_address_the_gateway_vouches_for_comes_first(headers: dict[str, str], ip: str) -> None:
    assert client_of(request(headers)).ip == ip


def test_long_values_are_cut_and_nothing_is_none() -> None:
    client = client_of(request({"User-Agent": "a" * 600, "X-Servelo-Client-Ip": "b" * 200}))
    assert client == Client(ip="b" * 100, user_agent="a" * 500)
    assert client_of(request({}, peer=None)) == Client(ip=None, user_agent=None)
