"""The gateway object: every dependency the connections use, injectable for tests."""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from opentelemetry.trace import Tracer

from gateway.apidocs import DocsSite
from gateway.clientip import TrustedProxies
from gateway.config import Settings
from gateway.connlimits import ClientLimits, ConnectionLimits
from gateway.cors import Cors
from gateway.deadlines import Deadlines
from gateway.hosts import HostTable
from gateway.metrics import GatewayMetrics
from gateway.orglookup import OrgLookup
from gateway.ratelimit import RateLimiter
from gateway.routing import BodyLimits, RouteTable, build_routes
from gateway.stats import Stats
from gateway.tenants import OrgRegistry
from gateway.tokens import Authenticator
from gateway.upstream import UpstreamPool


@dataclass(slots=True)
class Limits:
    ip: RateLimiter
    tenant: RateLimiter
    anonymous: RateLimiter
    sign_in: RateLimiter
    login: RateLimiter
    magic_link: RateLimiter
    refresh: RateLimiter

    @classmethod
    def from_settings(cls, s: Settings) -> Limits:
        return cls(
            ip=RateLimiter(s.ratelimit_ip_per_minute),
            tenant=RateLimiter(s.ratelimit_tenant_per_minute),
            anonymous=RateLimiter(s.ratelimit_anonymous_per_minute),
            sign_in=RateLimiter(s.ratelimit_signin_ip_per_minute),
            login=RateLimiter(s.ratelimit_login_per_minute),
            magic_link=RateLimiter(s.ratelimit_magic_link_per_minute),
            refresh=RateLimiter(s.ratelimit_refresh_per_minute),
        )

    def by_rule(self) -> list[tuple[str, RateLimiter]]:
        """Each limiter under the rule name its 429s carry (RateLimit-Policy)."""
        return [
            ("ip", self.ip),
            ("tenant", self.tenant),
            ("anonymous", self.anonymous),
            ("sign-in", self.sign_in),
            ("login", self.login),
            ("magic-link", self.magic_link),
            ("refresh", self.refresh),
        ]

    def prune(self) -> None:
        for limiter in (
            self.ip,
            self.tenant,
            self.anonymous,
            self.sign_in,
            self.login,
            self.magic_link,
            self.refresh,
        ):
            limiter.prune()


async def _no_refresh() -> bool:
    return False


def _always_ready() -> bool:
    return True


async def _no_org(slug: str) -> dict[str, Any] | None:
    return None


class OpenApiSource(Protocol):
    """The merged OpenAPI document: cached bytes now, or after the first fetch."""

    def cached(self) -> bytes | None: ...
    async def __call__(self) -> bytes: ...


class StaticOpenApi:
    def __init__(self, document: bytes) -> None:
        self.document = document

    def cached(self) -> bytes | None:
        return self.document

    async def __call__(self) -> bytes:
        return self.document


def _no_openapi() -> OpenApiSource:
    return StaticOpenApi(
        b'{"openapi":"3.1.0","info":{"title":"Servelo API","version":"1"},"paths":{}}'
    )


class Connection(Protocol):
    """A client connection, as the gateway's timeout sweep sees it."""

    def expire(self, now: float) -> float: ...


@dataclass(slots=True)
class Gateway:
    settings: Settings
    registry: OrgRegistry
    authenticator: Authenticator
    routes: RouteTable
    body_limits: BodyLimits
    limits: Limits
    cors: Cors
    proxies: TrustedProxies
    pool: UpstreamPool
    # Async hook: refetch JWKS for an unknown kid. The merged OpenAPI document.
    refresh_jwks: Callable[[], Awaitable[bool]] = _no_refresh
    openapi: OpenApiSource = field(default_factory=_no_openapi)
    # The docs page over that document (gateway.apidocs), read on first use.
    docs: DocsSite = field(default_factory=DocsSite)
    is_ready: Callable[[], bool] = _always_ready
    stats: Stats = field(default_factory=Stats)
    metrics: GatewayMetrics = field(default_factory=GatewayMetrics)
    # Host header -> (canonical host, tenant slug), see gateway.hosts.
    hosts: HostTable = field(default_factory=lambda: HostTable(b".localhost"))
    client_limits: ClientLimits = field(default_factory=ClientLimits)
    conn_limits: ConnectionLimits = field(
        default_factory=lambda: ConnectionLimits(total=10_000, per_ip=256)
    )
    # `http://host:port` of every service: a Location naming one is made relative.
    internal_origins: tuple[bytes, ...] = ()
    connections: set[Connection] = field(default_factory=set)
    # Set when tracing is on (gateway.tracing): a span per proxied request.
    tracer: Tracer | None = None
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    _id_prefix: bytes = field(default_factory=lambda: os.urandom(6).hex().encode())
    # One timer for every in-flight request's timeout (see gateway.deadlines).
    deadlines: Deadlines = field(init=False)
    # Registry misses ask auth (see gateway.orglookup); nobody to ask until wired.
    org_lookup: OrgLookup = field(init=False)

    def __post_init__(self) -> None:
        self.deadlines = Deadlines(self._expire)
        self.org_lookup = OrgLookup(self.registry, _no_org)

    def _expire(self, now: float) -> float:
        """Time out what is due at `now`; the earliest deadline still pending."""
        nxt = math.inf
        for conn in list(self.connections):
            nxt = min(nxt, conn.expire(now))
        if self.connections:
            # A request head being read sets no timer of its own (that would cost every
            # request): while connections are open, look at them at least this often.
            nxt = min(nxt, now + min(1.0, self.client_limits.header_timeout / 2))
        return nxt

    @classmethod
    def from_settings(
        cls, settings: Settings, *, registry: OrgRegistry, authenticator: Authenticator
    ) -> Gateway:
        routes = build_routes(settings)
        return cls(
            settings=settings,
            registry=registry,
            authenticator=authenticator,
            routes=routes,
            body_limits=BodyLimits(
                settings.gateway_max_body,
                settings.gateway_upload_max_body,
                settings.gateway_upload_routes,
            ),
            limits=Limits.from_settings(settings),
            cors=Cors(settings.cors_origin_list),
            proxies=TrustedProxies(settings.trusted_proxy_list),
            pool=UpstreamPool(connect_timeout=settings.gateway_connect_timeout),
            hosts=HostTable(b"." + settings.base_domain.lower().encode()),
            client_limits=ClientLimits.from_settings(settings),
            conn_limits=ConnectionLimits.from_settings(settings),
            internal_origins=internal_origins(routes),
            metrics=GatewayMetrics(1 if settings.access_log else settings.access_log_sample),
        )

    def new_request_id(self) -> bytes:
        # A random per-process prefix plus a counter: unique, and far cheaper than uuid4.
        return b"%s-%x" % (self._id_prefix, next(self._ids))

    def housekeeping(self) -> None:
        """Periodic: bound the memory of caches, limiters and idle upstream sockets."""
        self.authenticator.prune()
        self.limits.prune()
        self.pool.prune()


def internal_origins(routes: RouteTable) -> tuple[bytes, ...]:
    """Every `http://host:port` a service listens on (and `http://host` for port 80)."""
    origins: set[bytes] = set()
    for route in routes:
        service = route.service
        if service.host:
            origins.add(b"http://%s:%d" % (service.host.encode(), service.port))
            if service.port == 80:
                origins.add(b"http://" + service.host.encode())
    # Longest first, so `http://h:8000` is not taken for `http://h:80`.
    return tuple(sorted(origins, key=len, reverse=True))
