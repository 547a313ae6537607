"""One canonical Host per request: validated, lower-cased, with its tenant; memoised.

RFC 9112 3.2: a request with no Host (HTTP/1.1), more than one, or an invalid one is 400.
Valid here is `uri-host[:port]` as clients really send it: a DNS name or IPv4 address
(letters, digits, `.`, `-`, `_`) or a bracketed IPv6 literal, then an optional port of
1-5 digits up to 65535. Userinfo (`@`), paths, queries, spaces and empty ports are refused,
so what the gateway routes by is exactly what it forwards and what services could see.
"""

from __future__ import annotations

import re

from gateway.tenants import tenant_from_host

_NAME = re.compile(rb"[a-z0-9._-]+|\[[0-9a-f:.]+\]")
_PORT = re.compile(rb"[0-9]{1,5}")
MAX_HOST = 300  # longer is never a real host name (DNS names stop at 253)
MAX_CACHED = 4096

# (canonical host, tenant slug or b""); INVALID when the header is not a valid host.
HostEntry = tuple[bytes, bytes]
INVALID: HostEntry = (b"\x00", b"")
_EMPTY: HostEntry = (b"", b"")


def canonical_host(raw: bytes) -> bytes | None:
    """`raw` lower-cased when it is a valid `uri-host[:port]`, else None."""
    if len(raw) > MAX_HOST:
        return None
    host = raw.lower()
    if host.startswith(b"["):
        end = host.find(b"]") + 1
        name, rest = host[:end], host[end:]
    else:
        colon = host.find(b":")
        name, rest = (host, b"") if colon < 0 else (host[:colon], host[colon:])
    if not name or _NAME.fullmatch(name) is None:
        return None
    if rest:
        port = rest[1:]
        if rest[:1] != b":" or _PORT.fullmatch(port) is None or not 0 < int(port) <= 65535:
            return None
    return host


class HostTable:
    """Host header -> (canonical host, tenant slug): a pure function of the header, memoised
    because clients repeat it; bounded, and very long headers are never kept."""

    __slots__ = ("memo", "suffix")

    def __init__(self, suffix: bytes) -> None:
        self.suffix = suffix  # b"." + base domain
        self.memo: dict[bytes, HostEntry] = {b"": _EMPTY}

    def resolve(self, raw: bytes) -> HostEntry:
        entry = self.memo.get(raw)
        if entry is None:
            host = canonical_host(raw)
            entry = INVALID if host is None else (host, tenant_from_host(host, self.suffix) or b"")
            if len(raw) <= MAX_HOST:
                if len(self.memo) >= MAX_CACHED:
                    self.memo.clear()
                    self.memo[b""] = _EMPTY
                self.memo[raw] = entry
        return entry
