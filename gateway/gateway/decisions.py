"""What admission can decide about a request, and what it learns about it on the way.
Plain data: admission (gateway.admission) writes it, the exchange reads and carries it out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from gateway import errors, replies
from gateway.headers import RequestHeaders
from gateway.routing import Route
from gateway.tokens import CachedAuth

T = TypeVar("T")


class Peer(Protocol):
    """The client connection, as admission sees it: its address and the last token it
    sent (clients repeat it on every request: a byte comparison skips the token cache)."""

    peer: str
    peer_trusted: bool
    auth_header: bytes
    auth_entry: CachedAuth | None


class Admission:
    """What admission established about one request; written by admission only."""

    __slots__ = (
        "body_limit",
        "client_ip",
        "cors",
        "h",
        "http10",
        "identity",
        "kind",
        "limit_headers",
        "method",
        "org_slug",
        "path",
        "route",
        "url",
    )

    def __init__(
        self,
        method: bytes,
        url: bytes,
        http10: bool,
        client_ip: str,
        body_limit: int,
        h: RequestHeaders,
    ):
        self.method = method
        self.url = url  # the canonical path and the query, as forwarded
        q = url.find(b"?")
        self.path = url if q < 0 else url[:q]  # without the query
        self.http10 = http10
        self.h = h
        self.client_ip = client_ip
        self.cors = b""  # the CORS lines of an allowed origin's answers
        self.org_slug = ""
        self.route: Route | None = None
        self.identity = b""
        self.kind = 0  # routing.LOGIN / MAGIC_LINK / REFRESH: limits keyed from the body
        # RateLimit / RateLimit-Policy of a limited route, on every answer.
        self.limit_headers = b""
        self.body_limit = body_limit  # the largest body the exchange may pass on


@dataclass(frozen=True, slots=True)
class Respond:
    """Answer locally."""

    status: int
    body: bytes
    extra: bytes = b""
    ctype: bytes = replies.JSON


@dataclass(frozen=True, slots=True)
class Fail:
    """Refuse with the contract's error (and Retry-After when there is a wait)."""

    error: errors.Error
    retry_after: int = 0


class Forward:
    """Pass the request on to `Admission.route` (once no more body than its limit came)."""

    __slots__ = ()


class Peek:
    """Read the (small) body, then decide with `admit_after_peek`."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Later(Generic[T]):
    """Wait for `pending` (an org lookup, a key refresh, the first OpenAPI document), then
    decide with `then(result)`, unless the exchange has ended in the meantime."""

    pending: Awaitable[T]
    then: Callable[[T], Decision]


FORWARD = Forward()
PEEK = Peek()
Decision = Respond | Fail | Forward | Peek | Later[Any]
