"""What one client connection may hold and how long, and how many connections are open.

Past a cap a new connection gets one prebuilt answer and is closed at once: it is never
queued (as Envoy's and HAProxy's connection limits, not nginx's `limit_conn`, which reads
the request first). A trusted proxy's connections carry many clients, so they count only
towards the total, never towards a per-address cap.
"""

from __future__ import annotations

import logging
import resource
from dataclasses import dataclass

from gateway import errors
from gateway.config import Settings

log = logging.getLogger("gateway")

# Header fields in one request head, past which it is 431 (Apache's LimitRequestFields,
# HAProxy's and Envoy's defaults are ~100; browsers send ~20).
MAX_FIELDS = 100
# File descriptors kept for everything else (upstream pools, NATS, logs, the listener).
FD_RESERVE = 256


@dataclass(frozen=True, slots=True)
class ClientLimits:
    """Per connection; read by the client protocol on its hot path."""

    max_head: int = 16 * 1024  # request line + headers, bytes
    header_timeout: float = 10.0  # from a head's first byte (a new connection: from accept)
    keepalive_timeout: float = 75.0  # idle between requests
    send_timeout: float = 60.0  # writes paused (the client reads nothing) this long: abort
    max_pipelined: int = 16  # requests read ahead of the one being answered

    @classmethod
    def from_settings(cls, s: Settings) -> ClientLimits:
        return cls(
            max_head=s.gateway_max_header_bytes,
            header_timeout=s.gateway_header_timeout,
            keepalive_timeout=s.gateway_keepalive_timeout,
            send_timeout=s.gateway_send_timeout,
            max_pipelined=s.gateway_max_pipelined,
        )


def head_size(url: bytes, headers: list[tuple[bytes, bytes]]) -> int:
    """Bytes of a parsed request head: the line, each field with `: ` and CRLF, the blank
    line (the client's optional whitespace aside). Only computed when the reads that
    carried it were bigger than the cap: they may have carried a body too."""
    size = len(url) + 16  # method, spaces, version, CRLFs, at most
    for name, value in headers:
        size += len(name) + len(value) + 4
    return size


class ConnectionLimits:
    """Open client connections in total and per client address."""

    __slots__ = ("by_ip", "count", "per_ip", "total")

    def __init__(self, *, total: int, per_ip: int) -> None:
        self.total = total
        self.per_ip = per_ip  # 0: no per-address cap
        self.count = 0
        self.by_ip: dict[str, int] = {}

    @classmethod
    def from_settings(cls, s: Settings) -> ConnectionLimits:
        explicit = "gateway_max_connections" in s.model_fields_set
        return cls(
            total=fit_to_fd_limit(s.gateway_max_connections, warn=explicit),
            per_ip=s.gateway_max_connections_per_ip,
        )

    def open(self, ip: str, trusted: bool) -> bytes:
        """Count a new connection: b"" when admitted, else the answer to send before closing."""
        if self.count >= self.total:
            return errors.connection_reply(errors.OVERLOADED, 1)
        if self.per_ip and not trusted:
            n = self.by_ip.get(ip, 0)
            if n >= self.per_ip:
                return errors.connection_reply(errors.TOO_MANY_CONNECTIONS, 1)
            self.by_ip[ip] = n + 1
        self.count += 1
        return b""

    def close(self, ip: str, trusted: bool) -> None:
        self.count -= 1
        if self.per_ip and not trusted:
            n = self.by_ip.get(ip, 0) - 1
            if n > 0:
                self.by_ip[ip] = n
            else:
                self.by_ip.pop(ip, None)


def fit_to_fd_limit(wanted: int, *, warn: bool = True) -> int:
    """The connection cap the process can honour: each client connection may need an
    upstream one too. Raises the soft descriptor limit towards the hard one if needed."""
    need = 2 * wanted + FD_RESERVE
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY or soft >= need:
        return wanted
    fitted = max(1, (soft - FD_RESERVE) // 2)
    # Worth a warning when the operator asked for the cap; the default just adapts.
    (log.warning if warn else log.info)(
        "connection cap lowered to fit the file descriptor limit",
        extra={"wanted": wanted, "cap": fitted, "nofile": soft},
    )
    return fitted
