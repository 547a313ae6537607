"""Who may pass: local routes, tenant, route, rate limits, token; then the exchange forwards."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING

import orjson

from gateway import errors
from gateway.hosts import INVALID
from gateway.ratelimit import RateLimiter
from gateway.routing import (
    LOGIN,
    MAGIC_LINK,
    PEEK_MAX_BODY,
    PUBLIC,
    PUBLIC_PATHS,
    REFRESH,
    SIGN_IN,
    canonical_path,
)
from gateway.tenants import Org
from gateway.tokens import CachedAuth, NeedKeys
from gateway.versions import LINES

if TYPE_CHECKING:
    from gateway.exchange import Exchange

# Answers the gateway gives itself: cached bytes, after the same checks as any request.
_HEALTHY = b'{"status":"ok"}'
_READY = b'{"status":"ready"}'


def admit(ex: Exchange) -> None:
    gw = ex.gw
    h = ex.h
    method = ex.method
    path = ex.path
    # One canonical Host (gateway.hosts): what routes the request is what is forwarded.
    host = gw.hosts.memo.get(h.host) or gw.hosts.resolve(h.host)
    if host is INVALID or (h.host_count != 1 and (h.host_count or not ex.http10)):
        return ex.fail(errors.BAD_HOST)
    h.host, slug = host
    if not path.startswith(b"/"):
        return ex.fail(errors.BAD_REQUEST)
    if h.version is not None and h.version not in LINES:  # docs/api-versioning.md
        return ex.fail(errors.UNSUPPORTED_VERSION)
    client = ex.client
    if client.peer_trusted:
        ex.client_ip = gw.proxies.client_ip(client.peer, True, h.forwarded_for)
    limits = gw.limits
    wait = limits.ip.hit(ex.client_ip)
    if wait:
        return _too_many(ex, limits.ip, b"ip", ex.client_ip, wait)
    if method == b"OPTIONS" and h.origin and h.cors_method and gw.cors.enabled:
        # A preflight carries no credentials; answered here for any host.
        if gw.cors.allowed(h.origin):
            ex.cors = b""
            return ex.respond(204, b"", gw.cors.preflight_headers(h.origin, h.cors_headers))
        return ex.respond(204, b"")
    if method == b"GET" or method == b"HEAD":  # probes answer on any host (kubelet: an IP)
        if path == b"/healthz":
            return ex.respond(200, _HEALTHY)
        if path == b"/readyz":
            if gw.is_ready():
                return ex.respond(200, _READY)
            return ex.fail(errors.NOT_READY)

    org = gw.registry.by_slug.get(slug) if slug else None
    if org is None:
        if slug and not gw.org_lookup.known_unknown(slug):
            return ex.run(_admit_after_lookup(ex, slug))
        return ex.fail(errors.UNKNOWN_TENANT)
    _admit_org(ex, org)


async def _admit_after_lookup(ex: Exchange, slug: bytes) -> None:
    """A host the registry does not know yet: ask auth (see gateway.orglookup)."""
    org = await ex.gw.org_lookup.find(slug)
    if ex.finished:
        return
    if org is None:
        return ex.fail(errors.UNKNOWN_TENANT)
    _admit_org(ex, org)
    ex.flush_upstream()


def _admit_org(ex: Exchange, org: Org) -> None:
    gw = ex.gw
    h = ex.h
    method = ex.method
    path = ex.path
    if not org.active:
        return ex.fail(errors.SUSPENDED)
    ex.org_slug = org.slug
    # Every rule below (route, public kinds, sign-in, body limits) and the service see this
    # one canonical path (routing.canonical_path, docs/decisions.md).
    canonical = canonical_path(path)
    if canonical is None:
        return ex.fail(errors.NOT_FOUND)
    if canonical is not path:
        ex.url = canonical + ex.url[len(path) :]
        ex.path = path = canonical
    route = gw.routes.match(path)
    if route is None:
        # Not a service's: the gateway's own document (checked here, off the hot path),
        # charged like any request without a token.
        if path == b"/api/openapi.json" and (method == b"GET" or method == b"HEAD"):
            wait = gw.limits.anonymous.hit(ex.client_ip)
            if wait:
                return _too_many(ex, gw.limits.anonymous, b"anonymous", ex.client_ip, wait)
            return _serve_openapi(ex)
        return ex.fail(errors.NOT_FOUND)
    ex.route = route

    client = ex.client
    limits = gw.limits
    kind = PUBLIC.get((method, path))
    if kind is None and path in PUBLIC_PATHS:
        kind = 0  # another method on a public path: the service answers 405 and its Allow
    if kind is None:
        auth = h.authorization
        # Same header as the connection's previous request, still cached, same tenant,
        # not expired: the same answer, without parsing the header or hashing the token.
        entry = client.auth_entry
        authenticator = gw.authenticator
        if (
            entry is not None
            and entry.live
            and auth == client.auth_header
            and entry.org_id == org.id
            and entry.epoch == authenticator.epoch  # no revocation since it was checked
            and entry.valid_until > authenticator.clock()  # not expired, identity fresh
        ):
            ex.identity = entry.identity
            authenticator.cache_hits += 1
            wait = limits.tenant.hit(org.slug)  # _admit_tenant, inlined on the hottest path
            if wait:
                return _too_many(ex, limits.tenant, b"tenant", org.slug, wait)
            return _admit_body(ex)
        if len(auth) < 8 or auth[:7].lower() != b"bearer ":
            return _refuse_anonymous(ex, errors.AUTH_REQUIRED)
        token = auth[7:].strip().decode("latin-1")
        result = authenticator.authenticate(token, org)
        if type(result) is CachedAuth:
            ex.identity = result.identity
            client.auth_header = auth
            client.auth_entry = result
        elif isinstance(result, NeedKeys):
            return ex.after_keys_refreshed(token)
        else:
            assert isinstance(result, tuple)
            return _refuse_anonymous(ex, result)
        return _admit_tenant(ex)
    # Without a token: the address's own budget, never the tenant's.
    wait = limits.anonymous.hit(ex.client_ip)
    if wait:
        return _too_many(ex, limits.anonymous, b"anonymous", ex.client_ip, wait)
    if (method, path) in SIGN_IN:
        wait = limits.sign_in.hit(ex.client_ip)
        if wait:
            return _too_many(ex, limits.sign_in, b"sign-in", ex.client_ip, wait)
        # A limited route: every answer says where the caller stands.
        ex.limit_headers = limits.sign_in.headers(b"sign-in", ex.client_ip)
    ex.kind = kind
    ex.identity = gw.authenticator.public_identity(org)
    _admit_body(ex)


def _admit_tenant(ex: Exchange) -> None:
    """A valid token: charged to its tenant's budget (after authentication, so requests with
    junk tokens cannot exhaust it for the tenant's real users)."""
    limits = ex.gw.limits
    wait = limits.tenant.hit(ex.org_slug)
    if wait:
        return _too_many(ex, limits.tenant, b"tenant", ex.org_slug, wait)
    _admit_body(ex)


def _refuse_anonymous(ex: Exchange, error: errors.Error) -> None:
    """No valid token: 401, charged to the client address; past its budget, 429."""
    limits = ex.gw.limits
    wait = limits.anonymous.hit(ex.client_ip)
    if wait:
        return _too_many(ex, limits.anonymous, b"anonymous", ex.client_ip, wait)
    ex.fail(error)


def _too_many(ex: Exchange, limiter: RateLimiter, rule: bytes, key: Hashable, wait: int) -> None:
    """429 with Retry-After and the IETF RateLimit / RateLimit-Policy fields of the rule."""
    ex.limit_headers = limiter.headers(rule, key, wait)
    ex.fail(errors.TOO_MANY, wait)


def _admit_body(ex: Exchange) -> None:
    route = ex.route
    assert route is not None
    if not route.service.host:  # not deployed
        return ex.fail(errors.UNAVAILABLE)
    if ex.kind:
        ex.body_limit = PEEK_MAX_BODY
        if ex.h.content_length > PEEK_MAX_BODY or ex.body_received > PEEK_MAX_BODY:
            return ex.fail(errors.TOO_LARGE)
        return ex.wait_for_body()
    h = ex.h
    if h.chunked or h.content_length > 0:  # without a body, no limit to look up
        limit = ex.body_limit = ex.gw.body_limits.limit(ex.method, ex.path, route)
        if h.content_length > limit or ex.body_received > limit:
            return ex.fail(errors.TOO_LARGE)
    ex.forward()


async def authenticate_again(ex: Exchange, token: str) -> None:
    """After an unknown `kid`: refetch the key set (rate-limited), then decide."""
    await ex.gw.refresh_jwks()
    if ex.finished:
        return
    org = ex.gw.registry.by_slug.get(ex.org_slug.encode())
    if org is None:
        return ex.fail(errors.UNKNOWN_TENANT)
    result = ex.gw.authenticator.authenticate(token, org)
    if isinstance(result, CachedAuth):
        ex.identity = result.identity
        _admit_tenant(ex)
        ex.flush_upstream()
    elif isinstance(result, NeedKeys):
        _refuse_anonymous(ex, errors.INVALID_TOKEN)
    else:
        _refuse_anonymous(ex, result)


def admit_after_peek(ex: Exchange) -> None:
    """The tighter limits of login, magic-link request and refresh, keyed from the body."""
    limits = ex.gw.limits
    body = _json_object(b"".join(ex.buffer))
    # Keys include the tenant: one org's traffic must not lock out another org's user who
    # happens to have the same email address.
    key: Hashable
    if ex.kind == LOGIN:
        limiter, rule, key = limits.login, b"login", (ex.org_slug, ex.client_ip, _email(body))
    elif ex.kind == MAGIC_LINK:
        email = _email(body)
        limiter, rule = limits.magic_link, b"magic-link"
        key = (ex.org_slug, email) if email else ("ip", ex.client_ip)
    elif ex.kind == REFRESH:
        family = _refresh_family(body)
        limiter, rule, key = limits.refresh, b"refresh", family or ("ip", ex.client_ip)
    else:
        return ex.forward()
    wait = limiter.hit(key)
    if wait:
        return _too_many(ex, limiter, rule, key, wait)
    # The tightest rule of the route is the one its answers report.
    ex.limit_headers = limiter.headers(rule, key)
    ex.forward()


def _json_object(body: bytes) -> dict[str, object]:
    try:
        value = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _refresh_family(body: dict[str, object]) -> str | None:
    """The token family, read exactly as auth reads the token (`refresh_token` first, then
    `refreshToken`, whitespace stripped), so no spelling trick gets a fresh limit key."""
    for name in ("refresh_token", "refreshToken"):
        token = body.get(name)
        if isinstance(token, str) and token.strip():
            return token.strip().split(".", 1)[0]
    return None


def _email(body: dict[str, object]) -> str:
    email = body.get("email")
    return email.strip().lower() if isinstance(email, str) else ""


def _serve_openapi(ex: Exchange) -> None:
    document = ex.gw.openapi.cached()
    if document is not None:
        return ex.respond(200, document)
    ex.run(_first_openapi(ex))  # only until the first document is built


async def _first_openapi(ex: Exchange) -> None:
    try:
        document = await ex.gw.openapi()
    except Exception:  # never a stack trace to the client; the aggregator logs
        document = None
    if ex.finished:
        return
    if document is None:
        return ex.fail(errors.UNAVAILABLE)
    ex.respond(200, document)
