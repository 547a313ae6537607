"""Client side: one asyncio.Protocol per connection, httptools parsing, keep-alive, pipelining."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import cast

import httptools

from gateway import errors
from gateway.app import Gateway
from gateway.exchange import PAUSE_PIPELINE, Exchange


class ClientProtocol(asyncio.Protocol):
    __slots__ = (
        "_headers",
        "_paused",
        "_url",
        "closed",
        "current",
        "gw",
        "last_activity",
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
        self.peer = ""
        self.peer_trusted = False
        self.current: Exchange | None = None
        self.parsing: Exchange | None = None
        self.queue: deque[Exchange] = deque()
        self._url = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._paused = 0
        self.write_paused = False
        self.closed = False
        self.upgraded = False
        self.last_activity = time.monotonic()

    # -- asyncio.Protocol --
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        self.peer = str(peer[0]) if isinstance(peer, tuple) else "127.0.0.1"
        self.peer_trusted = self.gw.proxies.trusts(self.peer)
        self.gw.connections.add(self)

    def data_received(self, data: bytes) -> None:
        self.last_activity = time.monotonic()
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

    # -- httptools callbacks --
    def on_message_begin(self) -> None:
        self._url = b""
        self._headers = []

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
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.abort()

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
