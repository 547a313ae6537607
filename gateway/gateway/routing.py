"""Route table: path prefix (on segment boundaries) -> upstream service, timeouts, body limits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from gateway.config import DEFAULT_ROUTES, Settings

# Tight per-route limits peek at these small JSON bodies (see ratelimit keys in proxy).
LOGIN = 1
MAGIC_LINK = 2
REFRESH = 3

PUBLIC: dict[tuple[bytes, bytes], int] = {
    (b"POST", b"/api/auth/login"): LOGIN,
    (b"POST", b"/api/auth/magic-link/request"): MAGIC_LINK,
    (b"GET", b"/api/auth/magic-link/verify"): 0,
    (b"POST", b"/api/auth/refresh"): REFRESH,
    (b"POST", b"/api/auth/logout"): 0,
    (b"GET", b"/api/auth/jwks"): 0,
}
PUBLIC_PATHS = frozenset(path for _, path in PUBLIC)
# Where someone signs in: limited per client address whatever the email (admission.py).
SIGN_IN = frozenset(
    {
        (b"POST", b"/api/auth/login"),
        (b"POST", b"/api/auth/magic-link/request"),
        (b"GET", b"/api/auth/magic-link/verify"),
    }
)
# Bodies the gateway reads itself for a rate-limit key are small; refuse big ones early.
PEEK_MAX_BODY = 8 * 1024


@dataclass(frozen=True, slots=True)
class Service:
    """Where one service listens; `host` is empty when the service is not deployed."""

    name: str
    host: str
    port: int
    base_path: bytes = b""

    @classmethod
    def from_url(cls, name: str, url: str) -> Service:
        if not url:
            return cls(name, "", 0)
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"service {name}: only http://host[:port] URLs are supported")
        return cls(name, parts.hostname, parts.port or 80, parts.path.rstrip("/").encode())

    @property
    def deployed(self) -> bool:
        return bool(self.host)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.base_path.decode()}" if self.host else ""


@dataclass(frozen=True, slots=True)
class Route:
    prefix: bytes
    service: Service
    timeout: float
    max_body: int | None = None  # None: the default limit


class RouteTable:
    def __init__(self, routes: list[Route]) -> None:
        self._routes = {r.prefix: r for r in routes}
        self._depth = max((r.prefix.count(b"/") for r in routes), default=0)

    def match(self, path: bytes) -> Route | None:
        """Longest configured prefix that ends on a segment boundary of `path`."""
        # Cut to the deepest configured prefix first so a long path costs few lookups.
        candidate = path
        if candidate.count(b"/") > self._depth:
            candidate = b"/".join(candidate.split(b"/", self._depth + 1)[: self._depth + 1])
        routes = self._routes
        while candidate:
            route = routes.get(candidate)
            if route is not None:
                return route
            cut = candidate.rfind(b"/")
            if cut <= 0:
                return None
            candidate = candidate[:cut]
        return None

    def __iter__(self) -> Any:
        return iter(self._routes.values())


def build_routes(settings: Settings) -> RouteTable:
    services = {name: Service.from_url(name, url) for name, url in settings.service_urls.items()}
    table: dict[str, Any] = {**DEFAULT_ROUTES, **settings.gateway_routes}
    routes = []
    for prefix, spec in table.items():
        if not prefix.startswith("/") or prefix.endswith("/"):
            raise ValueError(f"route prefix {prefix!r} must start and not end with '/'")
        conf: dict[str, Any] = spec if isinstance(spec, dict) else {"service": spec}
        target = str(conf.get("url") or conf.get("service") or "")
        if target in services:
            service = services[target]
        elif target.startswith("http://"):
            service = Service.from_url(target, target)
        else:
            raise ValueError(f"route {prefix}: unknown service {target!r}")
        routes.append(
            Route(
                prefix=prefix.encode(),
                service=service,
                timeout=float(conf.get("timeout", settings.gateway_timeout)),
                max_body=int(conf["max_body"]) if "max_body" in conf else None,
            )
        )
    return RouteTable(routes)


class BodyLimits:
    """Default body limit, raised for the upload routes (`METHOD /path/*/glob`)."""

    def __init__(self, default: int, upload: int, upload_routes: list[str]) -> None:
        self.default = default
        self.upload = upload
        self._patterns: list[tuple[bytes, re.Pattern[bytes]]] = []
        for spec in upload_routes:
            method, _, glob = spec.strip().partition(" ")
            regex = b"[^/]+".join(re.escape(p.encode()) for p in glob.strip().split("*"))
            self._patterns.append((method.upper().encode(), re.compile(regex)))

    def limit(self, method: bytes, path: bytes, route: Route) -> int:
        if route.max_body is not None:
            return route.max_body
        for m, pattern in self._patterns:
            if m == method and pattern.fullmatch(path):
                return self.upload
        return self.default


_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_HEX = frozenset(b"0123456789abcdefABCDEF")


def canonical_path(path: bytes) -> bytes | None:
    """The one path that routes, limits and policies match, and that the service receives.

    Percent-encoded unreserved characters are decoded (RFC 3986 6.2.2.2: `%6c` is `l`), other
    escapes stay encoded with uppercase hex; runs of `/` become one; a trailing `/` goes.
    None (refused) for a `.` or `..` segment, an encoded `/`, `\\` or control character (a
    service would decode them into another path), a broken escape, and a raw `#` (the
    service's parser would cut the path there). See docs/decisions.md.
    """
    # The common case, already canonical, without a copy. Integer membership and a str
    # search are several times cheaper than `b"//" in path` (a buffer per call).
    if (
        0x25 not in path  # '%'
        and 0x2E not in path  # '.'
        and 0x23 not in path  # '#'
        and path[-1] != 0x2F  # '/'
        and "//" not in path.decode("latin-1")
    ):
        return path
    if 0x23 in path:
        return None  # a fragment has no place in a request (the service would cut it off)
    out = bytearray()
    i, n = 0, len(path)
    while i < n:
        c = path[i]
        if c != 0x25:  # not '%'
            out.append(c)
            i += 1
            continue
        hx = path[i + 1 : i + 3]
        if len(hx) != 2 or hx[0] not in _HEX or hx[1] not in _HEX:
            return None
        value = int(hx, 16)
        if value in _UNRESERVED:
            out.append(value)
        elif value < 0x20 or value in (0x2F, 0x5C, 0x7F):
            return None
        else:
            out += b"%" + hx.upper()
        i += 3
    segments = [s for s in bytes(out).split(b"/") if s]
    if b"." in segments or b".." in segments:
        return None
    return b"/" + b"/".join(segments)
