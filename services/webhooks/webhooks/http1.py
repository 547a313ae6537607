"""The HTTP/1.1 client of deliveries: one POST per attempt on kept-alive connections, and
nothing a delivery does not need (no redirects, cookies, proxies, decompression, retries).

aiohttp's client was a third of the dispatcher's CPU per delivery (docs/webhooks.md,
"Throughput"); this one writes a request in one `write` and parses the answer with
llhttp (httptools, which the servers use too), reading at most `max_body` bytes of it.

A connection is opened to an address the caller has just checked and remembers it; a
kept-alive one is reused only for an attempt whose own check allowed that same address, so
a name that now points elsewhere never reuses a connection to where it pointed before.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import cast
from urllib.parse import quote, urlsplit

import httptools

IDLE_SECONDS = 15.0  # a kept-alive connection unused this long is closed
MAX_HEAD = 16 * 1024  # bytes of an answer's head (interim ones included) read at the most
SWEEP_SECONDS = 5.0
_SAFE_PATH = "/%:@!$&'()*+,;=-._~?"


class ConnectionClosed(OSError):
    """The server closed the connection before it answered."""


class BadResponse(OSError):
    """The answer is not HTTP/1.x."""


@dataclass(frozen=True, slots=True)
class Target:
    """What a delivery URL says: where to connect and what to ask for."""

    tls: bool
    host: str  # a name, or an IP literal without brackets
    port: int
    authority: str  # the Host header
    path: str  # path and query, percent-encoded

    @property
    def key(self) -> tuple[bool, str, int]:
        return self.tls, self.host, self.port


@functools.lru_cache(maxsize=4096)
def parse_target(url: str) -> Target:
    """The URL's parts; ValueError for what is not an http(s) URL with a host (webhook
    URLs are validated when stored: this only guards the request line)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) URL")
    tls = parts.scheme == "https"
    default = 443 if tls else 80
    port = parts.port or default
    host = parts.hostname
    shown = f"[{host}]" if ":" in host else host
    authority = shown if port == default else f"{shown}:{port}"
    path = quote(parts.path or "/", safe=_SAFE_PATH)
    if parts.query:
        path += "?" + quote(parts.query, safe=_SAFE_PATH)
    return Target(tls=tls, host=host, port=port, authority=authority, path=path)


def request_bytes(target: Target, headers: dict[str, str], body: bytes) -> bytes:
    head = [f"POST {target.path} HTTP/1.1", f"Host: {target.authority}"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


class _Connection(asyncio.Protocol):
    """One TCP (or TLS) connection; one request at a time."""

    def __init__(self, key: tuple[bool, str, int], address: str, max_body: int) -> None:
        self.key, self.address, self.max_body = key, address, max_body
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[int] | None = None
        self.status = 0
        self.answered = False  # a byte of the answer arrived
        self.headers_done = False
        self.body_bytes = 0
        self.head_bytes = 0
        self.reusable = False
        self.closed = False
        self.idle_since = 0.0

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its methods.
        self.transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.headers_done:
            self._finish(reusable=False)  # an answer without a length ends at the close
        else:
            self._fail(ConnectionClosed("the server closed the connection"))

    def data_received(self, data: bytes) -> None:
        if self.waiter is None or self.waiter.done():
            self.close()  # nothing was asked: a confused server
            return
        self.answered = True
        heading = not self.headers_done
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(BadResponse(f"invalid HTTP answer: {exc}"))
            return
        if heading and not self.headers_done:
            # The body is capped (on_body); so is the head, or a receiver sending header
            # lines for ever would be read until the attempt's timeout.
            self.head_bytes += len(data)
            if self.head_bytes > MAX_HEAD:
                self._fail(BadResponse("the answer's head is too large"))

    # httptools callbacks
    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.headers_done = not 100 <= self.status < 200  # else an interim answer

    def on_body(self, body: bytes) -> None:
        self.body_bytes += len(body)
        if self.body_bytes > self.max_body:
            self._finish(reusable=False)  # the rest is not read: the connection goes

    def on_message_complete(self) -> None:
        if self.headers_done:
            self._finish(reusable=self.parser.should_keep_alive())
        # else an interim (1xx) answer: the real one follows

    # the client's side
    def ask(self, data: bytes) -> asyncio.Future[int]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.status, self.answered, self.headers_done, self.body_bytes = 0, False, False, 0
        self.head_bytes = 0
        self.reusable = False
        self.transport.write(data)
        return self.waiter

    def _finish(self, *, reusable: bool) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.reusable = reusable and not self.closed
            self.waiter.set_result(self.status)
        if not reusable:
            self.close()

    def _fail(self, exc: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)
        self.close()

    def close(self) -> None:
        self.reusable = False
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.close()


class Http1Client:
    """POSTs with kept-alive connections per (scheme, host, port, address); at most
    `max_idle` idle ones in all, each for at most IDLE_SECONDS."""

    def __init__(self, *, max_idle: int, max_body: int) -> None:
        self.max_idle, self.max_body = max_idle, max_body
        self._idle: defaultdict[tuple[bool, str, int], list[_Connection]] = defaultdict(list)
        self._idle_count = 0
        self._swept = time.monotonic()
        self._tls: ssl.SSLContext | None = None

    async def post(
        self, target: Target, addresses: list[str], headers: dict[str, str], body: bytes
    ) -> int:
        """The answer's status; OSError when none came. `addresses` are the ones the
        caller allows for this attempt (connections to others are not used)."""
        data = request_bytes(target, headers, body)
        conn = self._reuse(target, addresses)
        if conn is not None:
            try:
                return await self._exchange(conn, data)
            except ConnectionClosed:
                if conn.answered:
                    raise
                # Closed by the server while idle, before it read this request: once more on
                # a new connection (a receiver dedupes on webhook-id in any case).
        conn = await self._connect(target, addresses)
        return await self._exchange(conn, data)

    async def _exchange(self, conn: _Connection, data: bytes) -> int:
        try:
            status = await conn.ask(data)
        except BaseException:
            conn.close()  # timed out or cancelled mid-answer: not reusable
            raise
        if conn.reusable:
            self._release(conn)
        return status

    def _reuse(self, target: Target, addresses: list[str]) -> _Connection | None:
        now = time.monotonic()
        if now - self._swept > SWEEP_SECONDS:
            self._sweep(now)
        idle = self._idle.get(target.key)
        while idle:
            conn = idle.pop()
            self._idle_count -= 1
            if conn.closed or now - conn.idle_since > IDLE_SECONDS:
                conn.close()
            elif conn.address not in addresses:
                conn.close()  # the name no longer points there (or the policy changed)
            else:
                return conn
        return None

    def _release(self, conn: _Connection) -> None:
        if self._idle_count >= self.max_idle:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        self._idle[conn.key].append(conn)
        self._idle_count += 1

    def _sweep(self, now: float) -> None:
        self._swept = now
        for key in list(self._idle):
            keep = []
            for conn in self._idle[key]:
                if conn.closed or now - conn.idle_since > IDLE_SECONDS:
                    conn.close()
                else:
                    keep.append(conn)
            self._idle_count -= len(self._idle[key]) - len(keep)
            if keep:
                self._idle[key] = keep
            else:
                del self._idle[key]

    async def _connect(self, target: Target, addresses: list[str]) -> _Connection:
        error: OSError = OSError("no address to connect to")
        for address in addresses:
            try:
                return await self._open(target, address)
            except OSError as exc:
                error = exc
        raise error

    async def _open(self, target: Target, address: str) -> _Connection:
        conn = _Connection(target.key, address, self.max_body)
        await asyncio.get_running_loop().create_connection(
            lambda: conn,
            host=address,
            port=target.port,
            ssl=self._tls_context() if target.tls else None,
            server_hostname=target.host if target.tls else None,
        )
        return conn

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context()  # certificates and names verified
        return self._tls

    async def close(self) -> None:
        for conns in self._idle.values():
            for conn in conns:
                conn.close()
        self._idle.clear()
        self._idle_count = 0
