"""Answers the gateway gives itself (errors, probes, its own documents): whole messages built
from bytes, no I/O."""

from __future__ import annotations

from gateway import errors
from gateway.versions import CURRENT_LINE

JSON = b"Content-Type: application/json\r\n"


def local_reply(
    status: int,
    body: bytes,
    *,
    request_id: bytes,
    cors: bytes,
    limit_headers: bytes,
    extra: bytes = b"",
    ctype: bytes = JSON,
    close: bool = False,
    head_only: bool = False,
) -> bytes:
    """The whole answer; `head_only` for HEAD (the length of the body it would have)."""
    head = b"".join(
        (
            errors.status_line(status),
            ctype,
            b"Content-Length: %d\r\n" % len(body),
            b"X-Request-Id: ",
            request_id,
            b"\r\n",
            CURRENT_LINE,
            cors,
            limit_headers,
            extra,
            b"Connection: close\r\n" if close else b"",
            b"\r\n",
        )
    )
    return head if head_only else head + body


def retry_after(seconds: int) -> bytes:
    """The Retry-After line of a refusal that names a wait (none for 0)."""
    return b"Retry-After: %d\r\n" % seconds if seconds else b""
