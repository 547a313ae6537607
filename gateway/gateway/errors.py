"""Error and local responses: the contract's JSON shape, prebuilt as bytes for the hot path."""

from __future__ import annotations

import itertools
import os
from http import HTTPStatus

import orjson

UNKNOWN_TENANT = (404, "Unknown tenant")
SUSPENDED = (403, "Organization is suspended")
NOT_FOUND = (404, "Not found")
AUTH_REQUIRED = (401, "Authentication required")
INVALID_TOKEN = (401, "Invalid token")
TOKEN_EXPIRED = (401, "Token expired")
BAD_REQUEST = (400, "Bad request")
BAD_HOST = (400, "Invalid Host header")
REQUEST_TIMEOUT = (408, "Request timeout")
HEADERS_TOO_LARGE = (431, "Request header fields too large")
URI_TOO_LONG = (414, "URI too long")
TOO_MANY_CONNECTIONS = (429, "Too many connections")
OVERLOADED = (503, "Too many connections")
TOO_LARGE = (413, "Payload too large")
TOO_MANY = (429, "Too many requests")
BAD_GATEWAY = (502, "Bad gateway")
UNAVAILABLE = (503, "Service unavailable")
NOT_READY = (503, "Not ready")
TIMEOUT = (504, "Gateway timeout")

Error = tuple[int, str]

_STATUS_LINES: dict[int, bytes] = {}
_REASONED_LINES: dict[tuple[int, bytes], bytes] = {}


def status_line(status: int, reason: bytes | None = None) -> bytes:
    """`HTTP/1.1 <status> <reason>\\r\\n`, cached per status when the reason is standard."""
    if reason is not None:
        key = (status, reason)
        line = _REASONED_LINES.get(key)
        if line is None:
            line = b"HTTP/1.1 %d %s\r\n" % key
            if len(_REASONED_LINES) < 256:  # services use a handful; never unbounded
                _REASONED_LINES[key] = line
        return line
    line = _STATUS_LINES.get(status)
    if line is None:
        try:
            phrase = HTTPStatus(status).phrase.encode()
        except ValueError:
            phrase = b"Unknown"
        line = _STATUS_LINES[status] = b"HTTP/1.1 %d %s\r\n" % (status, phrase)
    return line


# Stable codes of the gateway's own errors (CONTRACT.md, Errors); by message, so the
# `Error` tuples stay (status, message) everywhere they are passed around.
_CODES = {
    UNKNOWN_TENANT[1]: "unknown_tenant",
    SUSPENDED[1]: "org_suspended",
    AUTH_REQUIRED[1]: "unauthenticated",
    INVALID_TOKEN[1]: "invalid_token",
    TOKEN_EXPIRED[1]: "token_expired",
    TOO_LARGE[1]: "payload_too_large",
    TOO_MANY[1]: "rate_limited",
    NOT_READY[1]: "unavailable",
    BAD_HOST[1]: "invalid_host",
    TOO_MANY_CONNECTIONS[1]: "too_many_connections",
}
_STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "payload_too_large",
    414: "uri_too_long",
    429: "rate_limited",
    431: "headers_too_large",
    502: "bad_gateway",
    503: "unavailable",
    504: "timeout",
}
_PARTS: dict[tuple[int, str], tuple[bytes, bytes]] = {}


def error_code(status: int, message: str) -> str:
    return _CODES.get(message) or _STATUS_CODES.get(status, "error")


def error_body(status: int, message: str, request_id: bytes) -> bytes:
    """`{"error", "message", "code", "request_id"}`: the parts around the request id are
    built once per error; the id is `[A-Za-z0-9._-]` (checked or generated), no escaping."""
    parts = _PARTS.get((status, message))
    if parts is None:
        head = orjson.dumps(
            {"error": message, "message": message, "code": error_code(status, message)}
        )
        parts = (head[:-1] + b',"request_id":"', b'"}')
        if len(_PARTS) < 256:
            _PARTS[(status, message)] = parts
    return parts[0] + request_id + parts[1]


# Ids of answers given before any request was read (a refused connection, an unreadable
# head): a per-process prefix and a counter, like the gateway's request ids.
_CONNECTION_IDS = itertools.count()
_CONNECTION_PREFIX = b"c" + os.urandom(5).hex().encode() + b"-"


def connection_reply(error: Error, retry_after: int = 0) -> bytes:
    """A whole answer that ends its connection (no request to answer, or one refused
    before it was read): a few concatenations of prebuilt parts, cheap under a flood."""
    request_id = _CONNECTION_PREFIX + b"%x" % next(_CONNECTION_IDS)
    body = error_body(error[0], error[1], request_id)
    extra = b"Retry-After: %d\r\n" % retry_after if retry_after else b""
    return (
        status_line(error[0])
        + b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        + b"X-Request-Id: "
        + request_id
        + b"\r\n"
        + extra
        + b"Connection: close\r\n\r\n"
        + body
    )
