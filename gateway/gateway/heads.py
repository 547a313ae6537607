"""Message heads the gateway writes: the request to a service, a service's answer to the
client. Pure functions of what was parsed and admitted (no I/O, no exchange state)."""

from __future__ import annotations

from gateway import errors
from gateway.headers import RequestHeaders, ResponseHeaders
from gateway.versions import CURRENT_LINE

_BODY_METHODS = frozenset({b"POST", b"PUT", b"PATCH"})


def trusted_forwarded(h: RequestHeaders, peer: str, client_ip: str) -> bytes:
    """The X-Forwarded-* lines (ending before the host value) behind a trusted proxy: its
    chain is extended. (An untrusted peer's X-Forwarded-For is not evidence of anything:
    replaced by the connection's own lines, built once.)"""
    peer_b = peer.encode()
    xff = h.forwarded_for + b", " + peer_b if h.forwarded_for else peer_b
    return (
        b"\r\nX-Servelo-Client-Ip: "
        + client_ip.encode()
        + b"\r\nX-Forwarded-For: "
        + xff
        + b"\r\nX-Forwarded-Proto: "
        + (h.forwarded_proto or b"http")
        + b"\r\nX-Forwarded-Host: "
    )


def request_head(
    method: bytes,
    url: bytes,
    h: RequestHeaders,
    base_path: bytes,
    identity: bytes,
    request_id: bytes,
    forwarded: bytes,
) -> tuple[bytes, bool]:
    """The head sent to the service, and whether its body goes chunked."""
    chunked = False
    if h.chunked:
        chunked = True
        framing = b"Transfer-Encoding: chunked\r\n"
    elif h.content_length >= 0:
        framing = b"Content-Length: %d\r\n" % h.content_length
    elif method in _BODY_METHODS:
        framing = b"Content-Length: 0\r\n"
    else:
        framing = b""
    head = b"".join(
        (
            method,
            b" ",
            base_path,
            url,
            b" HTTP/1.1\r\n",
            *h.forwarded,
            b"X-Servelo-Identity: ",
            identity,
            b"\r\nX-Request-Id: ",
            request_id,
            forwarded,
            h.host,
            b"\r\nHost: ",
            h.host,
            b"\r\n",
            framing,
            b"\r\n",
        )
    )
    return head, chunked


def response_head(
    status: int,
    reason: bytes,
    r: ResponseHeaders,
    is_head: bool,
    request_id: bytes,
    cors: bytes,
    limit_headers: bytes,
    http10: bool,
    keep_alive: bool,
) -> tuple[bytes, bool, bool, bool, bool]:
    """The head relayed to the client and how its body is framed: (head, chunked, close,
    ends_at_eof, hold). `hold`: a Content-Length body follows, worth waiting for so both
    leave in one write."""
    no_body = is_head or status == 204 or status == 304
    out = [errors.status_line(status, reason or None), *r.lines]
    out.append(b"X-Request-Id: " + request_id + b"\r\n")
    out.append(CURRENT_LINE)
    if cors:
        out.append(cors)
    if limit_headers and status != 429:
        # A service's own 429 (auth's lockout) names its own rule.
        out.append(limit_headers)
    chunked = close = eof = False
    if not no_body and not r.content_length:
        eof = not r.chunked
        if http10:
            close = True  # HTTP/1.0 has no chunked: end the body by closing
        else:
            chunked = True
            out.append(b"Transfer-Encoding: chunked\r\n")
    if close or not keep_alive:
        out.append(b"Connection: close\r\n")
    out.append(b"\r\n")
    return b"".join(out), chunked, close, eof, r.content_length and not no_body
