"""Who may pass: local routes, tenant, route, rate limits, token. Admission decides and
the exchange carries the decision out: answer, refuse, forward, or read the small body of a
sign-in first (gateway.decisions). What admission learns about the request (tenant, route,
identity, the canonical path) is kept in its own `Admission`, which the exchange reads."""

from __future__ import annotations

from collections.abc import Hashable
from functools import partial

import orjson

from gateway import apidocs, errors
from gateway.app import Gateway
from gateway.decisions import FORWARD, PEEK, Admission, Decision, Fail, Later, Peer, Respond
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
    Route,
    canonical_path,
)
from gateway.tenants import Org
from gateway.tokens import CachedAuth, NeedKeys
from gateway.versions import LINES

# Answers the gateway gives itself: cached bytes, after the same checks as any request.
_HEALTHY = b'{"status":"ok"}'
_READY = b'{"status":"ready"}'


def admit(gw: Gateway, client: Peer, a: Admission) -> Decision:
    h = a.h
    method = a.method
    path = a.path
    if h.origin is not None and gw.cors.allowed(h.origin):
        a.cors = gw.cors.response_headers(h.origin)
    # One canonical Host (gateway.hosts): what routes the request is what is forwarded.
    host = gw.hosts.memo.get(h.host) or gw.hosts.resolve(h.host)
    if host is INVALID or (h.host_count != 1 and (h.host_count or not a.http10)):
        return Fail(errors.BAD_HOST)
    h.host, slug = host
    if not path.startswith(b"/"):
        return Fail(errors.BAD_REQUEST)
    if h.version is not None and h.version not in LINES:  # docs/api-versioning.md
        return Fail(errors.UNSUPPORTED_VERSION)
    if client.peer_trusted:
        a.client_ip = gw.proxies.client_ip(client.peer, True, h.forwarded_for)
    limits = gw.limits
    wait = limits.ip.hit(a.client_ip)
    if wait:
        return _too_many(a, limits.ip, b"ip", a.client_ip, wait)
    if method == b"OPTIONS" and h.origin and h.cors_method and gw.cors.enabled:
        # A preflight carries no credentials; answered here for any host.
        if gw.cors.allowed(h.origin):
            a.cors = b""
            return Respond(204, b"", gw.cors.preflight_headers(h.origin, h.cors_headers))
        return Respond(204, b"")
    if method == b"GET" or method == b"HEAD":  # probes answer on any host (kubelet: an IP)
        if path == b"/healthz":
            return Respond(200, _HEALTHY)
        if path == b"/readyz":
            if gw.is_ready():
                return Respond(200, _READY)
            return Fail(errors.NOT_READY)

    org = gw.registry.by_slug.get(slug) if slug else None
    if org is None:
        if slug and not gw.org_lookup.known_unknown(slug):
            return Later(gw.org_lookup.find(slug), partial(_after_lookup, gw, client, a))
        return Fail(errors.UNKNOWN_TENANT)
    return _admit_org(gw, client, a, org)


def _after_lookup(gw: Gateway, client: Peer, a: Admission, org: Org | None) -> Decision:
    """A host the registry did not know yet, after asking auth (see gateway.orglookup)."""
    if org is None:
        return Fail(errors.UNKNOWN_TENANT)
    return _admit_org(gw, client, a, org)


def _admit_org(gw: Gateway, client: Peer, a: Admission, org: Org) -> Decision:
    h = a.h
    method = a.method
    path = a.path
    if not org.active:
        return Fail(errors.SUSPENDED)
    a.org_slug = org.slug
    # Every rule below (route, public kinds, sign-in, body limits) and the service see this
    # one canonical path (routing.canonical_path, docs/decisions.md).
    canonical = canonical_path(path)
    if canonical is None:
        return Fail(errors.NOT_FOUND)
    if canonical is not path:
        a.url = canonical + a.url[len(path) :]
        a.path = path = canonical
    route = gw.routes.match(path)
    if route is None:
        # Not a service's: the gateway's own document and docs page (checked here, off the
        # hot path), charged like any request without a token.
        if (method == b"GET" or method == b"HEAD") and (
            path == b"/api/openapi.json" or path == apidocs.PAGE or path.startswith(apidocs.ASSETS)
        ):
            wait = gw.limits.anonymous.hit(a.client_ip)
            if wait:
                return _too_many(a, gw.limits.anonymous, b"anonymous", a.client_ip, wait)
            if path == b"/api/openapi.json":
                return _serve_openapi(gw)
            return _serve_docs(gw, path)
        return Fail(errors.NOT_FOUND)
    a.route = route

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
            a.identity = entry.identity
            authenticator.cache_hits += 1
            wait = limits.tenant.hit(org.slug)  # _admit_tenant, inlined on the hottest path
            if wait:
                return _too_many(a, limits.tenant, b"tenant", org.slug, wait)
            return _admit_body(gw, a, route)
        if len(auth) < 8 or auth[:7].lower() != b"bearer ":
            return _refuse_anonymous(gw, a, errors.AUTH_REQUIRED)
        token = auth[7:].strip().decode("latin-1")
        result = authenticator.authenticate(token, org)
        if type(result) is CachedAuth:
            a.identity = result.identity
            client.auth_header = auth
            client.auth_entry = result
        elif isinstance(result, NeedKeys):
            return Later(gw.refresh_jwks(), partial(_after_refresh, gw, a, token))
        else:
            assert isinstance(result, tuple)
            return _refuse_anonymous(gw, a, result)
        return _admit_tenant(gw, a)
    # Without a token: the address's own budget, never the tenant's.
    wait = limits.anonymous.hit(a.client_ip)
    if wait:
        return _too_many(a, limits.anonymous, b"anonymous", a.client_ip, wait)
    if (method, path) in SIGN_IN:
        wait = limits.sign_in.hit(a.client_ip)
        if wait:
            return _too_many(a, limits.sign_in, b"sign-in", a.client_ip, wait)
        # A limited route: every answer says where the caller stands.
        a.limit_headers = limits.sign_in.headers(b"sign-in", a.client_ip)
    a.kind = kind
    a.identity = gw.authenticator.public_identity(org)
    return _admit_body(gw, a, route)


def _admit_tenant(gw: Gateway, a: Admission) -> Decision:
    """A valid token: charged to its tenant's budget (after authentication, so requests with
    junk tokens cannot exhaust it for the tenant's real users)."""
    limits = gw.limits
    wait = limits.tenant.hit(a.org_slug)
    if wait:
        return _too_many(a, limits.tenant, b"tenant", a.org_slug, wait)
    assert a.route is not None
    return _admit_body(gw, a, a.route)


def _refuse_anonymous(gw: Gateway, a: Admission, error: errors.Error) -> Decision:
    """No valid token: 401, charged to the client address; past its budget, 429."""
    limits = gw.limits
    wait = limits.anonymous.hit(a.client_ip)
    if wait:
        return _too_many(a, limits.anonymous, b"anonymous", a.client_ip, wait)
    return Fail(error)


def _too_many(a: Admission, limiter: RateLimiter, rule: bytes, key: Hashable, wait: int) -> Fail:
    """429 with Retry-After and the IETF RateLimit / RateLimit-Policy fields of the rule."""
    a.limit_headers = limiter.headers(rule, key, wait)
    return Fail(errors.TOO_MANY, wait)


def _admit_body(gw: Gateway, a: Admission, route: Route) -> Decision:
    """The body limit by its announced length (the exchange holds it to what arrives)."""
    if not route.service.host:  # not deployed
        return Fail(errors.UNAVAILABLE)
    h = a.h
    if a.kind:
        a.body_limit = PEEK_MAX_BODY
        if h.content_length > PEEK_MAX_BODY:
            return Fail(errors.TOO_LARGE)
        return PEEK
    if h.chunked or h.content_length > 0:  # without a body, no limit to look up
        limit = a.body_limit = gw.body_limits.limit(a.method, a.path, route)
        if h.content_length > limit:
            return Fail(errors.TOO_LARGE)
    return FORWARD


def _after_refresh(gw: Gateway, a: Admission, token: str, _: bool) -> Decision:
    """After an unknown `kid`: the key set refetched (rate-limited), decide again."""
    org = gw.registry.by_slug.get(a.org_slug.encode())
    if org is None:
        return Fail(errors.UNKNOWN_TENANT)
    result = gw.authenticator.authenticate(token, org)
    if isinstance(result, CachedAuth):
        a.identity = result.identity
        return _admit_tenant(gw, a)
    if isinstance(result, NeedKeys):
        return _refuse_anonymous(gw, a, errors.INVALID_TOKEN)
    return _refuse_anonymous(gw, a, result)


def admit_after_peek(gw: Gateway, a: Admission, raw: bytes) -> Decision:
    """The tighter limits of login, magic-link request and refresh, keyed from the body."""
    limits = gw.limits
    body = _json_object(raw)
    # Keys include the tenant: one org's traffic must not lock out another org's user who
    # happens to have the same email address.
    key: Hashable
    if a.kind == LOGIN:
        limiter, rule, key = limits.login, b"login", (a.org_slug, a.client_ip, _email(body))
    elif a.kind == MAGIC_LINK:
        email = _email(body)
        limiter, rule = limits.magic_link, b"magic-link"
        key = (a.org_slug, email) if email else ("ip", a.client_ip)
    elif a.kind == REFRESH:
        family = _refresh_family(body)
        limiter, rule, key = limits.refresh, b"refresh", family or ("ip", a.client_ip)
    else:
        return FORWARD
    wait = limiter.hit(key)
    if wait:
        return _too_many(a, limiter, rule, key, wait)
    # The tightest rule of the route is the one its answers report.
    a.limit_headers = limiter.headers(rule, key)
    return FORWARD


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


def _serve_openapi(gw: Gateway) -> Decision:
    document = gw.openapi.cached()
    if document is not None:
        return Respond(200, document)
    return Later(_first_openapi(gw), _openapi_answer)  # only until the first one is built


async def _first_openapi(gw: Gateway) -> bytes | None:
    try:
        return await gw.openapi()
    except Exception:  # never a stack trace to the client; the aggregator logs
        return None


def _openapi_answer(document: bytes | None) -> Decision:
    return Fail(errors.UNAVAILABLE) if document is None else Respond(200, document)


def _serve_docs(gw: Gateway, path: bytes) -> Decision:
    docs = gw.docs
    answer = docs.page() if path == apidocs.PAGE else docs.asset(path[len(apidocs.ASSETS) :])
    if answer is None:
        return Fail(errors.NOT_FOUND)
    return Respond(200, answer.body, answer.headers, answer.ctype)
