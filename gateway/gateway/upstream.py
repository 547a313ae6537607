"""Keep-alive connections to services, parsed with httptools, pooled per (host, port)."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol, cast

import httptools


class ResponseSink(Protocol):
    """The exchange an upstream connection currently serves."""

    def on_response_head(
        self, status: int, reason: bytes, headers: list[tuple[bytes, bytes]], keep_alive: bool
    ) -> None: ...
    def on_response_body(self, chunk: bytes) -> None: ...
    def on_response_end(self, keep_alive: bool) -> None: ...
    def upstream_failed(self, reused: bool, got_response: bool) -> None: ...
    def upstream_write_paused(self, paused: bool) -> None: ...
    def upstream_data_done(self) -> None: ...


Key = tuple[str, int]


class UpstreamConnection(asyncio.Protocol):
    __slots__ = (
        "_headers",
        "_reason",
        "closed",
        "got_response",
        "idle_since",
        "key",
        "last_activity",
        "parser",
        "pool",
        "reading_paused",
        "sink",
        "transport",
        "uses",
    )

    def __init__(self, pool: UpstreamPool, key: Key) -> None:
        self.pool = pool
        self.key = key
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.sink: ResponseSink | None = None
        self.closed = False
        self.got_response = False
        self.reading_paused = False
        self.idle_since = 0.0
        self.last_activity = 0.0
        self.uses = 0
        self._headers: list[tuple[bytes, bytes]] = []
        self._reason = b""

    # -- asyncio.Protocol --
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        sink = self.sink
        if sink is None:
            # Bytes on an idle connection: the service broke framing; never reuse it.
            self.close()
            return
        self.got_response = True
        self.last_activity = time.monotonic()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.close()
            if self.sink is not None:
                self.sink = None
                sink.upstream_failed(reused=False, got_response=True)
            return
        sink.upstream_data_done()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.pool.discard(self)
        sink = self.sink
        if sink is not None:
            self.sink = None
            sink.upstream_failed(reused=self.uses > 1, got_response=self.got_response)

    def pause_writing(self) -> None:
        if self.sink is not None:
            self.sink.upstream_write_paused(True)

    def resume_writing(self) -> None:
        if self.sink is not None:
            self.sink.upstream_write_paused(False)

    # -- httptools callbacks (no on_message_begin: the state is reset where it is used) --
    def on_status(self, status: bytes) -> None:
        self._reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        headers = self._headers
        reason = self._reason
        self._headers = []
        self._reason = b""
        status = self.parser.get_status_code()
        if status < 200 or self.sink is None:
            return  # interim responses (103) are not relayed
        self.sink.on_response_head(status, reason, headers, self.parser.should_keep_alive())

    def on_body(self, body: bytes) -> None:
        if self.sink is not None:
            self.sink.on_response_body(body)

    def on_message_complete(self) -> None:
        if self._headers:
            self._headers = []  # trailers of a chunked body: not relayed
        if self.parser.get_status_code() < 200:
            return
        sink = self.sink
        if sink is not None:
            sink.on_response_end(self.parser.should_keep_alive())

    # -- pool side --
    def attach(self, sink: ResponseSink) -> None:
        self.sink = sink
        self.got_response = False
        self.uses += 1

    def write(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(data)

    def set_reading(self, on: bool) -> None:
        if self.transport is None or self.closed or self.reading_paused != on:
            return
        self.reading_paused = not on
        if on:
            self.transport.resume_reading()
        else:
            self.transport.pause_reading()

    def close(self) -> None:
        self.sink = None
        if not self.closed:
            self.closed = True
            self.pool.discard(self)
            if self.transport is not None:
                self.transport.close()


class UpstreamPool:
    """Idle keep-alive connections per service; most recently used first (warm sockets)."""

    def __init__(
        self, *, connect_timeout: float = 2.0, idle_ttl: float = 4.0, max_idle_per_key: int = 512
    ) -> None:
        self.connect_timeout = connect_timeout
        # Below uvicorn's 5 s keep-alive: we drop a connection before the service does.
        self.idle_ttl = idle_ttl
        self.max_idle_per_key = max_idle_per_key
        self._idle: dict[Key, list[UpstreamConnection]] = {}

    def take(self, key: Key) -> UpstreamConnection | None:
        idle = self._idle.get(key)
        if not idle:
            return None
        deadline = time.monotonic() - self.idle_ttl
        while idle:
            conn = idle.pop()
            if not conn.closed and conn.idle_since > deadline:
                return conn
            conn.close()
        return None

    async def connect(self, key: Key) -> UpstreamConnection:
        loop = asyncio.get_running_loop()
        _, protocol = await asyncio.wait_for(
            loop.create_connection(lambda: UpstreamConnection(self, key), key[0], key[1]),
            self.connect_timeout,
        )
        return protocol

    def release(self, conn: UpstreamConnection) -> None:
        conn.sink = None
        if conn.closed:
            return
        conn.set_reading(True)
        idle = self._idle.setdefault(conn.key, [])
        if len(idle) >= self.max_idle_per_key:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        idle.append(conn)

    def discard(self, conn: UpstreamConnection) -> None:
        idle = self._idle.get(conn.key)
        if idle and conn in idle:
            idle.remove(conn)

    def prune(self) -> None:
        deadline = time.monotonic() - self.idle_ttl
        for idle in self._idle.values():
            for conn in [c for c in idle if c.idle_since <= deadline]:
                conn.close()

    def close_all(self) -> None:
        for idle in list(self._idle.values()):
            for conn in list(idle):
                conn.close()
        self._idle.clear()
