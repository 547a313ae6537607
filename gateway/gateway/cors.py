"""CORS: preflights answered by the gateway, allowed origins echoed (off unless configured)."""

from __future__ import annotations

ALLOW_METHODS = b"GET, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOW_HEADERS = (
    b"Authorization, Content-Type, X-Request-Id, Idempotency-Key, If-Match, If-None-Match,"
    b" Servelo-Version"
)
# Everything an answer can carry that a browser client needs to read (CONTRACT.md, issue 13).
EXPOSE_HEADERS = (
    b"ETag, Location, Link, Retry-After, X-Request-Id, Idempotent-Replayed, RateLimit,"
    b" RateLimit-Policy, Servelo-Version, Content-Disposition"
)
MAX_AGE = b"600"


class Cors:
    def __init__(self, origins: list[str]) -> None:
        self.any = "*" in origins
        self.origins = frozenset(o.rstrip("/").encode() for o in origins if o != "*")
        self.enabled = self.any or bool(self.origins)

    def allowed(self, origin: bytes | None) -> bool:
        if not self.enabled or not origin:
            return False
        return self.any or origin in self.origins

    def response_headers(self, origin: bytes) -> bytes:
        """Headers added to an actual (non-preflight) response for an allowed origin."""
        return (
            b"Access-Control-Allow-Origin: " + origin + b"\r\n"
            b"Access-Control-Expose-Headers: " + EXPOSE_HEADERS + b"\r\n"
            b"Vary: Origin\r\n"
        )

    def preflight_headers(self, origin: bytes, request_headers: bytes | None) -> bytes:
        # Echo the requested headers: the gateway strips what it must anyway (x-servelo-*).
        allow_headers = request_headers if request_headers else ALLOW_HEADERS
        return (
            b"Access-Control-Allow-Origin: " + origin + b"\r\n"
            b"Access-Control-Allow-Methods: " + ALLOW_METHODS + b"\r\n"
            b"Access-Control-Allow-Headers: " + allow_headers + b"\r\n"
            b"Access-Control-Max-Age: " + MAX_AGE + b"\r\n"
            b"Vary: Origin\r\n"
        )
