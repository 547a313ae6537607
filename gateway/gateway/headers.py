"""Header filtering both ways: hop-by-hop and `x-servelo-*` never cross the gateway."""

from __future__ import annotations

import re

HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"te", b"trailer", b"transfer-encoding", b"upgrade"}
)
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,128}")

# Request headers the gateway reads; all but host/authorization/content-type/origin are
# replaced by its own values or are hop-by-hop.
_KEEP = 0
_DROP = 1
_REQUEST_ACTIONS: dict[bytes, int] = {
    **dict.fromkeys(HOP_BY_HOP, _DROP),
    b"expect": _DROP,  # answered by the gateway itself
    b"x-request-id": _DROP,
    b"x-forwarded-for": _DROP,
    b"x-forwarded-proto": _DROP,
    b"x-forwarded-host": _DROP,
    b"content-length": _DROP,  # re-added from the parser's framing
}


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
        "origin",
        "request_id",
    )

    def __init__(self) -> None:
        self.forwarded: list[bytes] = []
        self.host = b""
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


def parse_request_headers(raw: list[tuple[bytes, bytes]]) -> RequestHeaders:
    """One pass over the client's headers: capture what matters, keep what may be forwarded."""
    h = RequestHeaders()
    keep = h.forwarded
    actions = _REQUEST_ACTIONS
    for name, value in raw:
        lname = name.lower()
        if lname == b"host":
            h.host = value
        elif lname == b"authorization":
            h.authorization = value
        elif lname == b"origin":
            h.origin = value
        elif lname.startswith(b"x-servelo-") or lname.startswith(b"proxy-"):
            continue
        elif lname in actions:
            if lname == b"content-length":
                h.content_length = int(value) if value.isdigit() else -2
            elif lname == b"transfer-encoding":
                h.chunked = True
            elif lname == b"expect":
                h.expect_continue = value.lower() == b"100-continue"
            elif lname == b"x-request-id":
                if _REQUEST_ID.fullmatch(value):
                    h.request_id = value
            elif lname == b"x-forwarded-for":
                prior = h.forwarded_for
                h.forwarded_for = value if prior is None else prior + b", " + value
            elif lname == b"x-forwarded-proto":
                h.forwarded_proto = value
            elif lname == b"connection":
                h.connection = value.lower()
            continue
        elif lname == b"access-control-request-method":
            h.cors_method = value
        elif lname == b"access-control-request-headers":
            h.cors_headers = value
        keep.append(name + b": " + value + b"\r\n")
    if h.connection is not None:
        _drop_connection_listed(keep, h.connection)
    return h


def _drop_connection_listed(lines: list[bytes], connection: bytes) -> None:
    """Headers named in `Connection` are hop-by-hop too (RFC 9110 7.6.1)."""
    listed = {t.strip() for t in connection.split(b",")} - {b"close", b"keep-alive", b""}
    if not listed:
        return
    lines[:] = [ln for ln in lines if ln.split(b":", 1)[0].lower() not in listed]


class ResponseHeaders:
    __slots__ = ("chunked", "content_length", "lines")

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.content_length = False
        self.chunked = False


def parse_response_headers(raw: list[tuple[bytes, bytes]]) -> ResponseHeaders:
    """The upstream's headers minus hop-by-hop ones and its own `X-Request-Id`."""
    r = ResponseHeaders()
    keep = r.lines
    connection: bytes | None = None
    for name, value in raw:
        lname = name.lower()
        if lname in HOP_BY_HOP:
            if lname == b"transfer-encoding":
                r.chunked = True
            elif lname == b"connection":
                connection = value.lower()
            continue
        if lname.startswith(b"proxy-") or lname == b"x-request-id":
            continue
        if lname == b"content-length":
            r.content_length = True
        keep.append(name + b": " + value + b"\r\n")
    if connection is not None:
        _drop_connection_listed(keep, connection)
    return r


def valid_request_id(value: bytes) -> bool:
    return _REQUEST_ID.fullmatch(value) is not None
