"""The service's half of an exchange: a pooled or new connection, the request head and body
sent up (resent once if a pooled socket was stale), the answer relayed as it comes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from typing import Any, Protocol

from gateway import errors, heads, replies, tracing
from gateway.answer import Answer, Writer
from gateway.app import Gateway
from gateway.decisions import Admission
from gateway.headers import parse_response_headers
from gateway.upstream import UpstreamConnection

# Why reading from the client is paused (a bit each; reading resumes when none is left).
PAUSE_UPSTREAM = 1  # the service's socket buffer is full
PAUSE_BUFFER = 2  # body buffered while waiting for a connection, a key refresh or a peek
PAUSE_PIPELINE = 4  # a pipelined request waits for the one in flight
PAUSE_WRITE = 8  # answers wait to be sent: the client does not read (see protocol)

REPLAY_MAX = 64 * 1024  # a request this small can be resent if a pooled socket was stale
IDEMPOTENT = frozenset({b"GET", b"HEAD", b"OPTIONS", b"PUT", b"DELETE"})


class Flow(Writer, Protocol):
    """The client connection as the relay sees it: its reading paused and resumed."""

    peer: str
    peer_trusted: bool
    forwarded_block: bytes  # the X-Forwarded-* lines of an untrusted peer, built once
    write_paused: bool  # the client does not read: the service's answer waits

    def pause(self, reason: int) -> None: ...
    def resume(self, reason: int) -> None: ...


class Relay(Answer):
    __slots__ = (
        "buffer",
        "buffered",
        "chunked_up",
        "retried",
        "sent",
        "task",
        "up_out",
        "upstream",
    )
    client: Flow

    def __init__(
        self, client: Flow, gw: Gateway, a: Admission, http10: bool, keep_alive: bool
    ) -> None:
        super().__init__(client, gw, a, http10, keep_alive)
        self.buffer: list[bytes] = []  # body that came before the connection
        self.buffered = 0
        self.upstream: UpstreamConnection | None = None
        self.up_out: list[bytes] = []
        self.sent: list[bytes] | None = None
        self.retried = False
        self.chunked_up = False
        self.task: asyncio.Future[Any] | None = None

    def run(self, coro: Coroutine[Any, Any, None]) -> None:
        """Continue asynchronously (connect) with the client paused."""
        self.task = asyncio.ensure_future(coro)

    # -- forwarding --
    def forward(self) -> None:
        route = self.a.route
        assert route is not None
        if self.gw.tracer is not None:
            self.span = tracing.start(self.gw.tracer, self.a, self.request_id)
        self.forwarded_at = now = time.monotonic()
        self.deadline = deadline = now + route.timeout
        self.gw.deadlines.arm(deadline)
        if self.h.expect_continue:
            self._send_continue()
        conn = self.gw.pool.take((route.service.host, route.service.port))
        if conn is None:
            self.run(self._connect())
        else:
            self._attach(conn)

    def _send_continue(self) -> None:
        # The client waits for this before sending the body; the service never sees Expect.
        if self.h.expect_continue and not self.request_done:
            self.h.expect_continue = False
            self.client.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    async def _connect(self) -> None:
        route = self.a.route
        assert route is not None
        try:
            conn = await self.gw.pool.connect((route.service.host, route.service.port))
        except (OSError, TimeoutError):
            self.fail(errors.UNAVAILABLE)
            return
        if self.finished or self.response_started:
            self.gw.pool.release(conn)
            return
        if self.sent is not None:  # retry after a stale pooled socket: resend what was sent
            self.up_out[:0] = self.sent
            self.sent = None
        self._attach(conn)
        self.flush_upstream()

    def _attach(self, conn: UpstreamConnection) -> None:
        self.upstream = conn
        conn.attach(self)
        if self.client.write_paused:
            conn.set_reading(False)
        if conn.uses > 1 and not self.retried and self.method in IDEMPOTENT:
            self.sent = []
        out = self.up_out
        if not self.retried:  # on a retry the head is already queued in up_out
            out.insert(0, self._request_head())
        if self.buffer:
            for chunk in self.buffer:
                if self.chunked_up:
                    out.extend((b"%x\r\n" % len(chunk), chunk, b"\r\n"))
                else:
                    out.append(chunk)
            self.buffer = []
            self.buffered = 0
            self.client.resume(PAUSE_BUFFER)
        if self.request_done and self.chunked_up:
            out.append(b"0\r\n\r\n")

    def _request_head(self) -> bytes:
        a, client = self.a, self.client
        assert a.route is not None
        forwarded = client.forwarded_block
        if client.peer_trusted:
            forwarded = heads.trusted_forwarded(self.h, client.peer, a.client_ip)
        head, self.chunked_up = heads.request_head(
            self.method,
            a.url,
            self.h,
            a.route.service.base_path,
            a.identity,
            self.request_id,
            forwarded,
        )
        return head

    def flush_upstream(self) -> None:
        out = self.up_out
        if out and self.upstream is not None:
            data = out[0] if len(out) == 1 else b"".join(out)
            out.clear()
            if self.sent is not None:
                self.sent.append(data)
                if sum(map(len, self.sent)) > REPLAY_MAX:
                    self.sent = None
            self.upstream.write(data)

    def upstream_write_paused(self, paused: bool) -> None:
        if paused:
            self.client.pause(PAUSE_UPSTREAM)
        else:
            self.client.resume(PAUSE_UPSTREAM)

    # -- response from the service --
    def on_response_head(
        self, status: int, reason: bytes, headers: list[tuple[bytes, bytes]], keep_alive: bool
    ) -> None:
        r = parse_response_headers(headers, self.gw.internal_origins)
        self.status = status
        self.response_started = True
        self.sent = None
        a = self.a
        is_head = self.method == b"HEAD"
        head, self.resp_chunked, self.resp_close, self.eof_body, self.head_held = (
            heads.response_head(
                status,
                reason,
                r,
                is_head,
                self.request_id,
                a.cors,
                a.limit_headers,
                self.http10,
                self.keep_alive,
            )
        )
        self.client_out.append(head)
        if is_head:
            # httptools cannot be told the request was HEAD: it would wait for the announced
            # body. The response is complete; that socket's parser is not reused.
            self._close_upstream()
            self._response_complete()

    def on_response_end(self, keep_alive: bool) -> None:
        conn = self.upstream
        self.upstream = None
        if self.head_held:
            self._unhold()
        # The client gets the end of its answer first; the bookkeeping comes after.
        if self.resp_chunked:
            self.client_out.append(b"0\r\n\r\n")
        self.flush_client()
        if conn is not None:
            self.flush_upstream_to(conn)
            if keep_alive and self.request_done and not self.up_out:
                self.gw.pool.release(conn)
            else:
                conn.close()
        self._response_finished()

    def flush_upstream_to(self, conn: UpstreamConnection) -> None:
        if self.up_out and self.request_done:
            conn.write(b"".join(self.up_out))
            self.up_out.clear()

    def upstream_failed(self, reused: bool, got_response: bool) -> None:
        self.upstream = None
        if self.finished:
            return
        if not self.response_started:
            if reused and not got_response and self.sent is not None and not self.retried:
                self.retried = True
                self.run(self._connect())
                return
            self.fail(errors.BAD_GATEWAY)
        elif self.eof_body:
            self._response_complete()  # the service ended a length-less body by closing
        else:
            self.flush_client()
            self.client.abort()
            self.finalize(False)

    # -- local answers and endings --
    def fail(self, error: errors.Error, retry_after: int = 0) -> None:
        if self.finished:
            return
        if self.response_started:
            self.client.abort()
            self.finalize(False)
            return
        self._close_upstream()
        self.buffer = []
        self.client.resume(PAUSE_BUFFER)
        if not self.request_id:
            self.request_id = self.gw.new_request_id()
        status, message = error
        body = errors.error_body(status, message, self.request_id)
        self.respond(status, body, replies.retry_after(retry_after))

    def _close_upstream(self) -> None:
        conn = self.upstream
        if conn is not None:
            self.upstream = None
            conn.close()
