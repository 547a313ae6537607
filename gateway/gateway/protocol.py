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
from gateway.connlimits import MAX_FIELDS, head_size
from gateway.exchange import Exchange
from gateway.relay import PAUSE_PIPELINE, PAUSE_WRITE
from gateway.tokens import CachedAuth


class _StopParsing(Exception):
    """Raised from a parser callback once the connection has been answered and refused."""


class ClientProtocol(asyncio.Protocol):
    __slots__ = (
        "_headers",
        "_paused",
        "_url",
        "auth_entry",
        "auth_header",
        "closed",
        "counted",
        "current",
        "discarding",
        "forwarded_block",
        "gw",
        "head_bytes",
        "head_started",
        "last_activity",
        "limits",
        "lingering",
        "loop",
        "max_head",
        "parser",
        "parsing",
        "peer",
        "peer_trusted",
        "queue",
        "send_deadline",
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
        # Input is read and dropped: lingering close, a protocol switch, a refused request.
        self.discarding = False
        self.counted = False  # counted by gw.conn_limits (so uncounted when it closes)
        self.last_activity = time.monotonic()
        self.limits = gw.client_limits
        self.max_head = self.limits.max_head
        # Bytes of the request head being read (approximate: whole reads) and when it began
        # (time.monotonic(); 0: no head pending); the deadline of a write that stays paused.
        # A head's timeout needs no timer per request: the gateway's one timer is armed by
        # every forwarded request and the housekeeping sweep, and expire() then reports it.
        self.head_bytes = 0
        self.head_started = 0.0
        self.send_deadline = 0.0

    # -- asyncio.Protocol --
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)
        self.loop = asyncio.get_running_loop()
        peer = transport.get_extra_info("peername")
        self.peer = str(peer[0]) if isinstance(peer, tuple) else "127.0.0.1"
        self.peer_trusted = self.gw.proxies.trusts(self.peer)
        self.forwarded_block = _forwarded_block(self.peer.encode())
        refusal = self.gw.conn_limits.open(self.peer, self.peer_trusted)
        if refusal:  # past a connection cap: one answer, then closed, never queued
            self.closed = self.discarding = True
            self.transport.write(refusal)
            self.transport.close()
            return
        self.counted = True
        self.gw.connections.add(self)
        # The first head is due within the header timeout of the accept.
        self.head_started = self.last_activity
        self.gw.deadlines.arm(self.head_started + self.limits.header_timeout)

    def data_received(self, data: bytes) -> None:
        now = self.last_activity = time.monotonic()
        if self.discarding:
            return  # answered and closing, or a protocol switch: read and dropped
        if self.parsing is None:  # in a request head, or between requests
            if not self.head_started:
                self.head_started = now
            self.head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.upgraded = self.discarding = True
            if self.parsing is not None:
                self.parsing.keep_alive = False
        except httptools.HttpParserError:
            if not self.discarding:  # else a callback refused the request and answered
                self._reject(errors.BAD_REQUEST)
        else:
            if self.head_bytes > self.max_head or self._headers:  # a head still incomplete
                self._check_incomplete_head()
        current = self.current
        if current is not None:
            current.flush_upstream()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.counted:
            self.counted = False
            self.gw.conn_limits.close(self.peer, self.peer_trusted)
        self.gw.connections.discard(self)
        if self.current is not None:
            self.current.client_gone()
        for ex in self.queue:
            ex.client_gone()
        self.queue.clear()

    def pause_writing(self) -> None:
        # The client does not read as fast as we answer: the service's answer waits (its
        # socket is not read), no new request is read or started, and a client that reads
        # nothing for the send timeout is dropped.
        self.write_paused = True
        self.send_deadline = deadline = time.monotonic() + self.limits.send_timeout
        self.gw.deadlines.arm(deadline)
        current = self.current
        if current is not None and current.upstream is not None:
            current.upstream.set_reading(False)
        if current is None or current.request_done:
            # An upload in progress keeps flowing: its service may answer only after it.
            self.pause(PAUSE_WRITE)

    def resume_writing(self) -> None:
        self.write_paused = False
        self.send_deadline = 0.0
        self.resume(PAUSE_WRITE)
        current = self.current
        if current is not None:
            if current.upstream is not None:
                current.upstream.set_reading(True)
        elif self.queue:
            self._start_next()

    # -- httptools callbacks (no on_message_begin: the state is reset where it is used) --
    def on_url(self, url: bytes) -> None:
        self._url += url  # bounded by the read it came in: the cap is checked after each

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        headers = self._headers
        if len(headers) > MAX_FIELDS or (
            self.head_bytes > self.max_head and head_size(self._url, headers) > self.max_head
        ):
            self._reject(self._too_large())
            raise _StopParsing
        self.head_bytes = 0
        self.head_started = 0.0
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
        if self.current is None and not self.write_paused:
            self.current = ex
            ex.begin()
        elif len(self.queue) < self.limits.max_pipelined:
            self.queue.append(ex)
            self.pause(PAUSE_PIPELINE)
        else:
            # Pipelined past the cap within one read: this request and what follows it are
            # not read; the queued ones are answered, then the connection closes (clients
            # retry unanswered pipelined requests, RFC 9112 9.3.2).
            self.parsing = None
            self.discarding = True
            self.queue[-1].keep_alive = False  # its answer says `Connection: close`
            raise _StopParsing

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
        if self.write_paused:
            self.pause(PAUSE_WRITE)  # no next request read while answers wait to be sent

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
        if not keep_alive or self.closed or (self.discarding and not self.queue):
            self.close()
            return
        if self.queue and not self.write_paused:
            self._start_next()

    def _start_next(self) -> None:
        nxt = self.current = self.queue.popleft()
        if not self.queue:
            self.resume(PAUSE_PIPELINE)
        nxt.begin()
        nxt.flush_upstream()

    def close(self) -> None:
        transport = self.transport
        if transport is None or self.closed or self.lingering:
            return
        if self.parsing is not None:
            # Answered before the client finished sending (413, an early 4xx from a service).
            self._linger()
            return
        self._close_now()

    def _linger(self) -> None:
        # Closing with the client's data unread would make the kernel reset the connection
        # and the client could lose our answer. Half-close, drain (and drop) what still
        # comes for a while, then close, as nginx's lingering close does.
        transport = self.transport
        if transport is None or self.closed or self.lingering:
            return
        if self.loop is None or not transport.can_write_eof():
            self._close_now()
            return
        self.lingering = self.discarding = True
        self._paused = 0
        transport.write_eof()
        transport.resume_reading()
        self.loop.call_later(LINGER_SECONDS, self._close_now)

    def _close_now(self) -> None:
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.abort()

    def expire(self, now: float) -> float:
        """Time out what is due on this connection (a slow head, a client that reads
        nothing, the request in flight); the connection's next deadline."""
        nxt = math.inf
        if self.send_deadline:
            if self.send_deadline <= now:
                self.abort()  # nothing can be sent to it any more
                return math.inf
            nxt = self.send_deadline
        if self.head_started:
            due = self.head_started + self.limits.header_timeout
            if due > now:
                nxt = min(nxt, due)
            elif self.current is None and not self.queue:
                self._head_timed_out()
                return math.inf
            else:  # a pipelined head behind answers still due: its time starts after them
                self.head_started = now
                nxt = min(nxt, now + self.limits.header_timeout)
        ex = self.current
        if ex is None or not ex.deadline:
            return nxt
        if ex.deadline <= now:
            ex.on_timeout()
            ex = self.current  # finished: maybe the next pipelined request is in flight now
            if ex is None or not ex.deadline:
                return nxt
        return min(nxt, ex.deadline)

    def idle_for(self, now: float) -> float:
        """Seconds without traffic and with nothing in flight (0 while busy)."""
        if self.current is not None or self.queue:
            return 0.0
        return now - self.last_activity

    def _head_timed_out(self) -> None:
        self.head_started = 0.0
        if self.closed or self.lingering:
            return
        if self.head_bytes:
            self._reject(errors.REQUEST_TIMEOUT)
        else:  # not a byte since the accept or the last answer: nothing to answer
            self._close_now()

    def _check_incomplete_head(self) -> None:
        # Whole reads since the head began, none completed it: past the cap? Many tiny fields
        # cost far more held (a tuple and two objects each) than their bytes: counted too.
        if self.head_bytes > self.max_head or len(self._headers) > MAX_FIELDS:
            self._reject(self._too_large())

    def _too_large(self) -> errors.Error:
        # The request line alone past the cap: 414 (nginx too); else the fields: 431.
        return errors.URI_TOO_LONG if len(self._url) > self.max_head else errors.HEADERS_TOO_LARGE

    def _reject(self, error: errors.Error) -> None:
        """Refuse what is being read (a bad or oversized head, a slow one): the connection
        reads nothing more, and closes once the requests before it are answered."""
        self.discarding = True
        self.head_started = 0.0
        self._url = b""
        self._headers = []  # what an oversized head held is freed now, not at the close
        receiving = self.parsing
        if receiving is not None:  # its body is what went wrong
            if receiving is self.current:
                receiving.fail(error)  # answers (or aborts a started answer), then closes
                if not (self.closed or self.lingering):  # it had answered already
                    self._linger()
                return
            self.parsing = None
            if receiving in self.queue:
                self.queue.remove(receiving)
        if self.current is None and not self.queue:
            self.write(errors.connection_reply(error))
            self._linger()
        # else: exchange_done closes the connection after the last queued answer


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
