"""Header filtering both ways: hop-by-hop and `x-servelo-*` never cross the gateway."""

from __future__ import annotations

import re

HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"te", b"trailer", b"transfer-encoding", b"upgrade"}
)
# End-to-end fields that a `Connection` option must not remove (RFC 9110 7.6.1 lets a
# sender mark its own extension fields hop-by-hop, not the ones the message relies on).
_NOT_HOP_BY_HOP = frozenset(
    {
        b"host",
        b"authorization",
        b"content-length",
        b"content-type",
        b"content-encoding",
        b"content-range",
        b"cookie",
        b"set-cookie",
        b"origin",
        b"location",
        b"link",
        b"etag",
        b"if-match",
        b"if-none-match",
        b"if-modified-since",
        b"if-unmodified-since",
        b"idempotency-key",
        b"range",
        b"x-request-id",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
        b"forwarded",
        b"retry-after",
        b"cache-control",
        b"vary",
    }
)
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,128}")

# What the gateway does with a request header, by lower-cased name (one dict lookup each).
# Below _DROP: kept and forwarded, and captured; from _DROP on: replaced by the gateway's
# own values or hop-by-hop, never forwarded. A name not listed is forwarded unless it
# starts with one of _STRIPPED.
_AUTHORIZATION = 2
_ORIGIN = 3
_CORS_METHOD = 4
_CORS_HEADERS = 5
_TRACEPARENT = 6  # W3C trace context: forwarded as is, or replaced (gateway.tracing)
_TRACESTATE = 7
_DROP = 10
_CONTENT_LENGTH = 11  # re-added from the parser's framing
_TRANSFER_ENCODING = 12
_EXPECT = 13  # answered by the gateway itself
_REQUEST_ID_H = 14
_FORWARDED_FOR = 15
_FORWARDED_PROTO = 16
_CONNECTION = 17
_HOST = 18  # forwarded in its canonical form (gateway.hosts), once
_VERSION = 19  # Servelo-Version: resolved by the gateway (gateway.versions)
_REQUEST_ACTIONS: dict[bytes, int] = {
    **dict.fromkeys(HOP_BY_HOP, _DROP),
    b"host": _HOST,
    b"authorization": _AUTHORIZATION,
    b"origin": _ORIGIN,
    b"access-control-request-method": _CORS_METHOD,
    b"access-control-request-headers": _CORS_HEADERS,
    b"traceparent": _TRACEPARENT,
    b"tracestate": _TRACESTATE,
    b"content-length": _CONTENT_LENGTH,
    b"transfer-encoding": _TRANSFER_ENCODING,
    b"expect": _EXPECT,
    b"x-request-id": _REQUEST_ID_H,
    b"x-forwarded-for": _FORWARDED_FOR,
    b"x-forwarded-proto": _FORWARDED_PROTO,
    b"x-forwarded-host": _DROP,
    b"connection": _CONNECTION,
    b"servelo-version": _VERSION,
}
_STRIPPED = (b"x-servelo-", b"proxy-")


class RequestHeaders:
    """What the proxy needs from a client request, and the header lines it forwards."""

    __slots__ = (
        "authorization",
        "chunked",
        "connection",
        "content_length",
        "cors_headers",
        "cors_method",
        "expect_continue",
        "forwarded",
        "forwarded_for",
        "forwarded_proto",
        "host",
        "host_count",
        "origin",
        "request_id",
        "traceparent",
        "tracestate",
        "version",
    )

    def __init__(self) -> None:
        self.forwarded: list[bytes] = []
        self.host = b""
        self.host_count = 0
        self.authorization = b""
        self.content_length = -1
        self.chunked = False
        self.expect_continue = False
        self.origin: bytes | None = None
        self.request_id: bytes | None = None
        self.forwarded_for: bytes | None = None
        self.forwarded_proto: bytes | None = None
        self.connection: bytes | None = None
        self.cors_method: bytes | None = None
        self.cors_headers: bytes | None = None
        self.version: bytes | None = None
        self.traceparent: bytes | None = None
        self.tracestate: bytes | None = None


def parse_request_headers(raw: list[tuple[bytes, bytes]]) -> RequestHeaders:
    """One pass over the client's headers: capture what matters, keep what may be forwarded."""
    h = RequestHeaders()
    keep = h.forwarded
    actions = _REQUEST_ACTIONS
    for name, value in raw:
        lname = name.lower()
        action = actions.get(lname)
        if action is None:
            if lname.startswith(_STRIPPED):
                continue
        elif action < _DROP:
            if action == _AUTHORIZATION:
                h.authorization = value
            elif action == _ORIGIN:
                h.origin = value
            elif action == _CORS_METHOD:
                h.cors_method = value
            elif action == _CORS_HEADERS:
                h.cors_headers = value
            elif action == _TRACEPARENT:
                h.traceparent = value
            else:
                h.tracestate = value
        else:
            if action == _HOST:  # first: every request has one
                h.host = value
                h.host_count += 1
            elif action == _CONTENT_LENGTH:
                h.content_length = int(value) if value.isdigit() else -2
            elif action == _TRANSFER_ENCODING:
                h.chunked = True
            elif action == _EXPECT:
                h.expect_continue = value.lower() == b"100-continue"
            elif action == _REQUEST_ID_H:
                if _REQUEST_ID.fullmatch(value):
                    h.request_id = value
            elif action == _FORWARDED_FOR:
                prior = h.forwarded_for
                h.forwarded_for = value if prior is None else prior + b", " + value
            elif action == _FORWARDED_PROTO:
                h.forwarded_proto = value
            elif action == _CONNECTION:
                h.connection = value.lower()
            elif action == _VERSION:
                h.version = value.strip()
            continue
        keep.append(name + b": " + value + b"\r\n")
    if h.connection is not None:
        _drop_connection_listed(keep, h.connection)
    return h


def _drop_connection_listed(lines: list[bytes], connection: bytes) -> None:
    """Headers named in `Connection` are hop-by-hop too (RFC 9110 7.6.1), except the
    end-to-end ones a message relies on: `Connection: host` removes nothing."""
    listed = {t.strip() for t in connection.split(b",")} - {b"close", b"keep-alive", b""}
    listed -= _NOT_HOP_BY_HOP
    if not listed:
        return
    lines[:] = [ln for ln in lines if ln.split(b":", 1)[0].lower() not in listed]


class ResponseHeaders:
    __slots__ = ("chunked", "content_length", "lines")

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.content_length = False
        self.chunked = False


# Response headers, by lower-cased name: hop-by-hop ones and the service's own
# X-Request-Id are dropped (the gateway sets its own); Content-Length is noted.
_R_DROP = 1
_R_CHUNKED = 2
_R_CONNECTION = 3
_R_LENGTH = 4
_R_LOCATION = 5
_RESPONSE_ACTIONS: dict[bytes, int] = {
    **dict.fromkeys(HOP_BY_HOP, _R_DROP),
    b"transfer-encoding": _R_CHUNKED,
    b"connection": _R_CONNECTION,
    b"x-request-id": _R_DROP,
    b"content-length": _R_LENGTH,
    b"location": _R_LOCATION,
}


def parse_response_headers(
    raw: list[tuple[bytes, bytes]], internal: tuple[bytes, ...] = ()
) -> ResponseHeaders:
    """The upstream's headers minus hop-by-hop ones and its own `X-Request-Id`; a
    `Location` naming a service's own address (`internal`) loses it, as nginx's default
    `proxy_redirect` does: clients never learn internal addresses."""
    r = ResponseHeaders()
    keep = r.lines
    connection: bytes | None = None
    actions = _RESPONSE_ACTIONS
    for name, value in raw:
        lname = name.lower()
        action = actions.get(lname)
        if action is None:
            if lname.startswith(b"proxy-"):
                continue
        elif action == _R_LENGTH:
            r.content_length = True
        elif action == _R_LOCATION:
            value = relative_location(value, internal)
        else:
            if action == _R_CHUNKED:
                r.chunked = True
            elif action == _R_CONNECTION:
                connection = value.lower()
            continue
        keep.append(name + b": " + value + b"\r\n")
    if connection is not None:
        _drop_connection_listed(keep, connection)
    return r


def relative_location(value: bytes, internal: tuple[bytes, ...]) -> bytes:
    """`http://<service>/x?y` -> `/x?y`; any other Location unchanged."""
    lower = value.lower()
    for origin in internal:
        if lower.startswith(origin) and lower[len(origin) : len(origin) + 1] in (b"", b"/", b"?"):
            rest = value[len(origin) :]
            return rest if rest.startswith(b"/") else b"/" + rest
    return value


def valid_request_id(value: bytes) -> bool:
    return _REQUEST_ID.fullmatch(value) is not None
