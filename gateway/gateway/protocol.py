"""Client side: one asyncio.Protocol per connection, httptools parsing, keep-alive, pipelining."""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from typing import cast

import httptools

from gateway import errors
from gateway.app import Gateway
from gateway.exchange import PAUSE_PIPELINE, Exchange
from gateway.tokens import CachedAuth


class ClientProtocol(asyncio.Protocol):
    __slots__ = (
        "_headers",
        "_paused",
        "_url",
        "auth_entry",
        "auth_header",
        "closed",
        "current",
        "forwarded_block",
        "gw",
        "last_activity",
        "lingering",
        "loop",
        "parser",
        "parsing",
        "peer",
        "peer_trusted",
        "queue",
        "transport",
        "upgraded",
        "write_paused",
    )

    def __init__(self, gw: Gateway) -> None:
        self.gw = gw
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.peer = ""
        self.peer_trusted = False
        self.forwarded_block = _forwarded_block(b"")
        # The last Authorization header verified on this connection and what it meant:
        # clients repeat it on every request, so a byte comparison skips the token cache.
        self.auth_header = b""
        self.auth_entry: CachedAuth | None = None
        self.current: Exchange | None = None
        self.parsing: Exchange | None = None
        self.queue: deque[Exchange] = deque()
        self._url = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._paused = 0
        self.write_paused = False
        self.closed = False
        self.upgraded = False
        self.lingering = False
        self.last_activity = time.monotonic()

    # -- asyncio.Protocol --
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)
        self.loop = asyncio.get_running_loop()
        peer = transport.get_extra_info("peername")
        self.peer = str(peer[0]) if isinstance(peer, tuple) else "127.0.0.1"
        self.peer_trusted = self.gw.proxies.trusts(self.peer)
        self.forwarded_block = _forwarded_block(self.peer.encode())
        self.gw.connections.add(self)

    def data_received(self, data: bytes) -> None:
        self.last_activity = time.monotonic()
        if self.lingering:
            return  # the rest of a request already answered: read and dropped
        if self.upgraded:
            return  # protocol switches are not proxied; the connection closes after the response
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.upgraded = True
            if self.parsing is not None:
                self.parsing.keep_alive = False
        except httptools.HttpParserError:
            self._bad_request()
            return
        current = self.current
        if current is not None:
            current.flush_upstream()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.gw.connections.discard(self)
        if self.current is not None:
            self.current.client_gone()
        for ex in self.queue:
            ex.client_gone()
        self.queue.clear()

    def pause_writing(self) -> None:
        self.write_paused = True
        if self.current is not None and self.current.upstream is not None:
            self.current.upstream.set_reading(False)

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.current is not None and self.current.upstream is not None:
            self.current.upstream.set_reading(True)

    # -- httptools callbacks (no on_message_begin: the state is reset where it is used) --
    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        parser = self.parser
        ex = Exchange(
            self,
            parser.get_method(),
            self._url,
            self._headers,
            http10=parser.get_http_version() == "1.0",
            keep_alive=parser.should_keep_alive(),
        )
        self._url = b""
        self._headers = []
        self.parsing = ex
        if self.current is None:
            self.current = ex
            ex.begin()
        else:
            self.queue.append(ex)
            self.pause(PAUSE_PIPELINE)

    def on_body(self, body: bytes) -> None:
        if self.parsing is not None:
            self.parsing.on_request_body(body)

    def on_message_complete(self) -> None:
        if self._headers:
            self._headers = []  # trailers of a chunked body: not forwarded
        ex = self.parsing
        self.parsing = None
        if ex is not None:
            ex.on_request_end()

    # -- used by exchanges --
    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.closed:
            self.transport.write(data)

    def pause(self, reason: int) -> None:
        if not self._paused and self.transport is not None and not self.closed:
            self.transport.pause_reading()
        self._paused |= reason

    def resume(self, reason: int) -> None:
        if not self._paused & reason:
            return
        self._paused &= ~reason
        if not self._paused and self.transport is not None and not self.closed:
            self.transport.resume_reading()

    def exchange_done(self, ex: Exchange, keep_alive: bool) -> None:
        if self.current is ex:
            self.current = None
        self.gw.stats.count(ex.status)
        if not keep_alive or self.closed or self.upgraded:
            self.close()
            return
        if self.queue:
            nxt = self.current = self.queue.popleft()
            if not self.queue:
                self.resume(PAUSE_PIPELINE)
            nxt.begin()
            nxt.flush_upstream()

    def close(self) -> None:
        transport = self.transport
        if transport is None or self.closed or self.lingering:
            return
        if self.parsing is not None and self.loop is not None and transport.can_write_eof():
            # Answered before the client finished sending (413, an early 4xx from a service):
            # closing now, with its data unread, would make the kernel reset the connection
            # and the client could lose our answer. Half-close, drain what still comes, then
            # close, as nginx's lingering close does.
            self.lingering = True
            self._paused = 0
            transport.write_eof()
            transport.resume_reading()
            self.loop.call_later(LINGER_SECONDS, self._close_now)
            return
        self._close_now()

    def _close_now(self) -> None:
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.abort()

    def expire(self, now: float) -> float:
        """Time out the request in flight if its deadline is past; its next deadline."""
        ex = self.current
        if ex is None or not ex.deadline:
            return math.inf
        if ex.deadline <= now:
            ex.on_timeout()
            ex = self.current  # finished: maybe the next pipelined request is in flight now
            if ex is None or not ex.deadline:
                return math.inf
        return ex.deadline

    def idle_for(self, now: float) -> float:
        """Seconds without traffic and with nothing in flight (0 while busy)."""
        if self.current is not None or self.queue:
            return 0.0
        return now - self.last_activity

    def _bad_request(self) -> None:
        ex = self.parsing or self.current
        if ex is not None and ex.response_started:
            self.abort()
            return
        body = errors.cached_error_body(errors.BAD_REQUEST[1])
        self.write(
            errors.status_line(400) + b"Content-Type: application/json\r\nContent-Length: %d\r\n"
            b"Connection: close\r\n\r\n" % len(body) + body
        )
        self.close()


# How long an answered connection keeps reading what its client still sends before closing.
LINGER_SECONDS = 5.0


def _forwarded_block(peer: bytes) -> bytes:
    """The X-Forwarded-* lines for an untrusted peer (the same for all its requests), and the
    client address the gateway's limits used (`X-Servelo-Client-Ip`: clients cannot send it)."""
    return (
        b"\r\nX-Servelo-Client-Ip: "
        + peer
        + b"\r\nX-Forwarded-For: "
        + peer
        + b"\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: "
    )
