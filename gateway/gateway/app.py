"""The gateway object: every dependency the connections use, injectable for tests."""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from gateway.clientip import TrustedProxies
from gateway.config import Settings
from gateway.cors import Cors
from gateway.deadlines import Deadlines
from gateway.orglookup import OrgLookup
from gateway.ratelimit import RateLimiter
from gateway.routing import BodyLimits, RouteTable, build_routes
from gateway.stats import Stats
from gateway.tenants import OrgRegistry, tenant_from_host
from gateway.tokens import Authenticator
from gateway.upstream import UpstreamPool


@dataclass(slots=True)
class Limits:
    ip: RateLimiter
    tenant: RateLimiter
    login: RateLimiter
    magic_link: RateLimiter
    refresh: RateLimiter

    @classmethod
    def from_settings(cls, s: Settings) -> Limits:
        return cls(
            ip=RateLimiter(s.ratelimit_ip_per_minute),
            tenant=RateLimiter(s.ratelimit_tenant_per_minute),
            login=RateLimiter(s.ratelimit_login_per_minute),
            magic_link=RateLimiter(s.ratelimit_magic_link_per_minute),
            refresh=RateLimiter(s.ratelimit_refresh_per_minute),
        )

    def prune(self) -> None:
        for limiter in (self.ip, self.tenant, self.login, self.magic_link, self.refresh):
            limiter.prune()


async def _no_refresh() -> bool:
    return False


def _always_ready() -> bool:
    return True


async def _no_org(slug: str) -> dict[str, Any] | None:
    return None


async def _no_openapi() -> bytes:
    return b'{"openapi":"3.1.0","info":{"title":"Servelo API","version":"1"},"paths":{}}'


MAX_CACHED_HOSTS = 4096
MAX_CACHED_HOST = 255  # longer Host headers are resolved each time, never kept


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
    # Async hooks: refetch JWKS for an unknown kid; build the merged OpenAPI document.
    refresh_jwks: Callable[[], Awaitable[bool]] = _no_refresh
    openapi: Callable[[], Awaitable[bytes]] = _no_openapi
    is_ready: Callable[[], bool] = _always_ready
    stats: Stats = field(default_factory=Stats)
    host_suffix: bytes = b".localhost"
    # Host header -> tenant slug (b"": not a tenant host); a pure function of the header,
    # memoised because clients repeat it. Bounded: see `slug_for_host`.
    host_slugs: dict[bytes, bytes] = field(default_factory=dict)
    connections: set[Connection] = field(default_factory=set)
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
        """Time out the requests due at `now`; the earliest deadline still pending."""
        nxt = math.inf
        for conn in list(self.connections):
            nxt = min(nxt, conn.expire(now))
        return nxt

    @classmethod
    def from_settings(
        cls, settings: Settings, *, registry: OrgRegistry, authenticator: Authenticator
    ) -> Gateway:
        return cls(
            settings=settings,
            registry=registry,
            authenticator=authenticator,
            routes=build_routes(settings),
            body_limits=BodyLimits(
                settings.gateway_max_body,
                settings.gateway_upload_max_body,
                settings.gateway_upload_routes,
            ),
            limits=Limits.from_settings(settings),
            cors=Cors(settings.cors_origin_list),
            proxies=TrustedProxies(settings.trusted_proxy_list),
            pool=UpstreamPool(connect_timeout=settings.gateway_connect_timeout),
            host_suffix=b"." + settings.base_domain.lower().encode(),
        )

    def slug_for_host(self, host: bytes) -> bytes:
        """The tenant slug of a Host header, b"" when it names no tenant (memoised)."""
        slug = self.host_slugs.get(host)
        if slug is None:
            slug = tenant_from_host(host, self.host_suffix) or b""
            if len(host) <= MAX_CACHED_HOST:
                if len(self.host_slugs) >= MAX_CACHED_HOSTS:
                    self.host_slugs.clear()
                self.host_slugs[host] = slug
        return slug

    def new_request_id(self) -> bytes:
        # A random per-process prefix plus a counter: unique, and far cheaper than uuid4.
        return b"%s-%x" % (self._id_prefix, next(self._ids))

    def housekeeping(self) -> None:
        """Periodic: bound the memory of caches, limiters and idle upstream sockets."""
        self.authenticator.prune()
        self.limits.prune()
        self.pool.prune()
