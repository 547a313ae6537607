"""The metrics listener: `GET /metrics` (and `/healthz`) on a port of its own.

Never the public port: a service's own listener is on SERVELO_METRICS_PORT, the gateway's on
SERVELO_GATEWAY_ADMIN_PORT, and neither is routed by the gateway. It runs in the process's
event loop, so the scrape can ask Postgres and NATS for its gauges (with a short timeout,
in `render`). A few lines of HTTP/1.1 (one request per connection, `Connection: close`)
are all Prometheus needs; nothing here is reachable by clients.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("servelo.metrics")

Render = Callable[[], Awaitable[bytes]]
CONTENT_TYPE = b"text/plain; version=0.0.4; charset=utf-8"
_MAX_HEAD = 8192
_READ_TIMEOUT = 5.0


def _answer(status: bytes, body: bytes, ctype: bytes = b"text/plain; charset=utf-8") -> bytes:
    head = b"HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
    return head % (status, ctype, len(body)) + body


class MetricsServer:
    """`render` gives the exposition; `ready` (optional) answers `/readyz`."""

    def __init__(self, render: Render, ready: Callable[[], bool] | None = None) -> None:
        self.render, self.ready = render, ready
        self.server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> None:
        try:
            self.server = await asyncio.start_server(self._serve, host, port, reuse_address=True)
        except OSError as exc:
            # Fail the start: a process without its metrics is one nobody can watch.
            raise RuntimeError(f"metrics listener: cannot listen on {host}:{port}: {exc}") from exc
        log.info("metrics listening", extra={"host": host, "port": port})

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(_READ_TIMEOUT):
                head = await reader.readuntil(b"\r\n\r\n")
            writer.write(await self._respond(head))
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            pass
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _respond(self, head: bytes) -> bytes:
        line = head[: head.find(b"\r\n")].split(b" ")
        if len(head) > _MAX_HEAD or len(line) != 3:
            return _answer(b"400 Bad Request", b"bad request\n")
        method, target = line[0], line[1].split(b"?", 1)[0]
        if method not in (b"GET", b"HEAD"):
            return _answer(b"405 Method Not Allowed", b"method not allowed\n")
        if target == b"/metrics":
            try:
                body = await self.render()
            except Exception:
                log.exception("metrics rendering failed")
                return _answer(b"500 Internal Server Error", b"metrics failed\n")
            return _answer(b"200 OK", b"" if method == b"HEAD" else body, CONTENT_TYPE)
        if target == b"/healthz":
            return _answer(b"200 OK", b"ok\n")
        if target == b"/readyz" and self.ready is not None:
            if self.ready():
                return _answer(b"200 OK", b"ready\n")
            return _answer(b"503 Service Unavailable", b"not ready\n")
        return _answer(b"404 Not Found", b"not found\n")
