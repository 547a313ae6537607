"""Error and local responses: the contract's JSON shape, prebuilt as bytes for the hot path."""

from __future__ import annotations

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


def error_body(message: str) -> bytes:
    return orjson.dumps({"error": message, "message": message})


_BODIES: dict[str, bytes] = {}


def cached_error_body(message: str) -> bytes:
    body = _BODIES.get(message)
    if body is None:
        body = _BODIES[message] = error_body(message)
    return body


_REPLIES: dict[tuple[int, str, int], bytes] = {}


def connection_reply(error: Error, retry_after: int = 0) -> bytes:
    """A whole answer that ends its connection (no request to answer, or one refused
    before it was read): prebuilt once per error."""
    key = (error[0], error[1], retry_after)
    reply = _REPLIES.get(key)
    if reply is None:
        body = cached_error_body(error[1])
        extra = b"Retry-After: %d\r\n" % retry_after if retry_after else b""
        reply = _REPLIES[key] = (
            status_line(error[0])
            + b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
            + extra
            + b"Connection: close\r\n\r\n"
            + body
        )
    return reply
