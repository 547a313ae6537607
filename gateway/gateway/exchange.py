"""One request through the gateway: admission checks, then streaming to and from a service."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from gateway import errors
from gateway.admission import admit, admit_after_peek, authenticate_again
from gateway.headers import RequestHeaders, parse_request_headers, parse_response_headers
from gateway.routing import Route
from gateway.upstream import UpstreamConnection
from gateway.versions import CURRENT_LINE

if TYPE_CHECKING:
    from gateway.protocol import ClientProtocol

# Why reading from the client is paused (a bit each; reading resumes when none is left).
PAUSE_UPSTREAM = 1  # the service's socket buffer is full
PAUSE_BUFFER = 2  # body buffered while waiting for a connection, a key refresh or a peek
PAUSE_PIPELINE = 4  # a pipelined request waits for the one in flight
PAUSE_WRITE = 8  # answers wait to be sent: the client does not read (see protocol)

HEAD_HOLD_SECONDS = 0.005  # longest a response head waits for its body's first bytes
BUFFER_HIGH = 256 * 1024  # body bytes held while waiting before the client is paused
REPLAY_MAX = 64 * 1024  # a request this small can be resent if a pooled socket was stale
IDEMPOTENT = frozenset({b"GET", b"HEAD", b"OPTIONS", b"PUT", b"DELETE"})
_BODY_METHODS = frozenset({b"POST", b"PUT", b"PATCH"})
_JSON = b"Content-Type: application/json\r\n"


class Exchange:
    __slots__ = (
        "body_limit",
        "body_received",
        "buffer",
        "buffered",
        "chunked_up",
        "client",
        "client_ip",
        "client_out",
        "cors",
        "deadline",
        "eof_body",
        "finished",
        "forwarded_at",
        "gw",
        "h",
        "head_held",
        "hold_timer",
        "http10",
        "identity",
        "keep_alive",
        "kind",
        "limit_headers",
        "local",
        "method",
        "org_slug",
        "path",
        "peeking",
        "raw_headers",
        "request_done",
        "request_id",
        "resp_chunked",
        "resp_close",
        "response_done",
        "response_started",
        "retried",
        "route",
        "sent",
        "started_at",
        "status",
        "task",
        "up_out",
        "upstream",
        "url",
    )

    def __init__(
        self,
        client: ClientProtocol,
        method: bytes,
        url: bytes,
        raw_headers: list[tuple[bytes, bytes]],
        *,
        http10: bool,
        keep_alive: bool,
    ) -> None:
        self.client = client
        self.gw = client.gw
        self.method = method
        self.url = url
        self.path = url
        self.raw_headers = raw_headers
        self.http10 = http10
        self.keep_alive = keep_alive
        self.h: RequestHeaders = RequestHeaders()
        self.request_id = b""
        self.cors = b""
        # RateLimit / RateLimit-Policy of a limited route (admission sets them).
        self.limit_headers = b""
        self.client_ip = client.peer
        self.org_slug = ""
        self.route: Route | None = None
        self.identity = b""
        self.kind = 0
        self.peeking = False
        self.body_limit = self.gw.body_limits.upload
        self.body_received = 0
        self.buffer: list[bytes] = []
        self.buffered = 0
        self.upstream: UpstreamConnection | None = None
        self.up_out: list[bytes] = []
        self.client_out: list[bytes] = []
        self.sent: list[bytes] | None = None
        self.retried = False
        self.chunked_up = False
        self.request_done = False
        self.response_started = False
        self.response_done = False
        self.resp_chunked = False
        self.resp_close = False
        self.eof_body = False
        self.local = False
        self.finished = False
        self.status = 0
        self.deadline = 0.0  # time.monotonic() value; 0: no timeout pending
        # A response head with a Content-Length body waits for the first body bytes, so
        # both leave in one write (services write the head and the body separately).
        self.head_held = False
        self.hold_timer: asyncio.TimerHandle | None = None
        self.task: asyncio.Task[None] | None = None
        # The read that completed the head (protocol.data_received): no clock call here.
        self.started_at = client.last_activity
        self.forwarded_at = 0.0  # sent on to a service (the upstream time starts)

    # -- admission --
    def begin(self) -> None:
        h = self.h = parse_request_headers(self.raw_headers)
        self.request_id = h.request_id or self.gw.new_request_id()
        if h.origin is not None and self.gw.cors.allowed(h.origin):
            self.cors = self.gw.cors.response_headers(h.origin)
        q = self.url.find(b"?")
        self.path = self.url if q < 0 else self.url[:q]
        admit(self)

    def run(self, coro: Coroutine[Any, Any, None]) -> None:
        """Continue asynchronously (key refresh, connect, OpenAPI) with the client paused."""
        self.task = asyncio.ensure_future(coro)

    def after_keys_refreshed(self, token: str) -> None:
        self.run(authenticate_again(self, token))

    def wait_for_body(self) -> None:
        """Rate-limit keys of login/magic-link/refresh come from the (small) body."""
        if self.request_done:
            admit_after_peek(self)
        else:
            self.peeking = True
            route = self.route
            assert route is not None
            self.deadline = deadline = time.monotonic() + route.timeout  # a body that never ends
            self.gw.deadlines.arm(deadline)
            self._send_continue()

    # -- request body --
    def on_request_body(self, chunk: bytes) -> None:
        n = len(chunk)
        self.body_received += n
        if self.body_received > self.body_limit:
            self.fail(errors.TOO_LARGE)
            return
        if self.upstream is not None:
            if self.chunked_up:
                self.up_out.extend((b"%x\r\n" % n, chunk, b"\r\n"))
            else:
                self.up_out.append(chunk)
        elif not (self.local or self.finished):
            self.buffer.append(chunk)
            self.buffered += n
            if self.buffered > BUFFER_HIGH:
                self.client.pause(PAUSE_BUFFER)

    def on_request_end(self) -> None:
        self.request_done = True
        if self.upstream is not None and self.chunked_up:
            self.up_out.append(b"0\r\n\r\n")
        if self.peeking:
            self.peeking = False
            admit_after_peek(self)
        if self.response_done and not self.finished:
            self.finalize(True)

    # -- forwarding --
    def forward(self) -> None:
        route = self.route
        assert route is not None
        self.forwarded_at = now = time.monotonic()
        self.deadline = deadline = now + route.timeout
        self.gw.deadlines.arm(deadline)
        if self.h.expect_continue:
            self._send_continue()
        service = route.service
        conn = self.gw.pool.take((service.host, service.port))
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
        route = self.route
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
        h = self.h
        route = self.route
        assert route is not None
        client = self.client
        if client.peer_trusted:
            peer = client.peer.encode()
            xff = h.forwarded_for + b", " + peer if h.forwarded_for else peer
            proto = h.forwarded_proto or b"http"
            forwarded = (
                b"\r\nX-Servelo-Client-Ip: "
                + self.client_ip.encode()
                + b"\r\nX-Forwarded-For: "
                + xff
                + b"\r\nX-Forwarded-Proto: "
                + proto
                + b"\r\nX-Forwarded-Host: "
            )
        else:
            # An untrusted peer's X-Forwarded-For is not evidence of anything: replace it.
            forwarded = client.forwarded_block
        if h.chunked:
            self.chunked_up = True
            framing = b"Transfer-Encoding: chunked\r\n"
        elif h.content_length >= 0:
            framing = b"Content-Length: %d\r\n" % h.content_length
        elif self.method in _BODY_METHODS:
            framing = b"Content-Length: 0\r\n"
        else:
            framing = b""
        return b"".join(
            (
                self.method,
                b" ",
                route.service.base_path,
                self.url,
                b" HTTP/1.1\r\n",
                *h.forwarded,
                b"X-Servelo-Identity: ",
                self.identity,
                b"\r\nX-Request-Id: ",
                self.request_id,
                forwarded,
                h.host,
                b"\r\nHost: ",
                h.host,
                b"\r\n",
                framing,
                b"\r\n",
            )
        )

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
        is_head = self.method == b"HEAD"
        no_body = is_head or status == 204 or status == 304
        out = [errors.status_line(status, reason or None), *r.lines]
        out.append(b"X-Request-Id: " + self.request_id + b"\r\n")
        out.append(CURRENT_LINE)
        if self.cors:
            out.append(self.cors)
        if self.limit_headers and status != 429:
            # A service's own 429 (auth's lockout) names its own rule.
            out.append(self.limit_headers)
        if not no_body and not r.content_length:
            self.eof_body = not r.chunked
            if self.http10:
                self.resp_close = True  # HTTP/1.0 has no chunked: end the body by closing
            else:
                self.resp_chunked = True
                out.append(b"Transfer-Encoding: chunked\r\n")
        if self.resp_close or not self.keep_alive:
            out.append(b"Connection: close\r\n")
        out.append(b"\r\n")
        self.client_out.append(b"".join(out))
        if r.content_length and not no_body:
            self.head_held = True
        if is_head:
            # httptools cannot be told the request was HEAD: it would wait for the announced
            # body. The response is complete; that socket's parser is not reused.
            conn = self.upstream
            self.upstream = None
            if conn is not None:
                conn.close()
            self._response_complete()

    def on_response_body(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self.head_held:
            self._unhold()
        if self.resp_chunked:
            self.client_out.extend((b"%x\r\n" % len(chunk), chunk, b"\r\n"))
        else:
            self.client_out.append(chunk)

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

    def _response_complete(self) -> None:
        if self.resp_chunked:
            self.client_out.append(b"0\r\n\r\n")
        self.flush_client()
        self._response_finished()

    def upstream_data_done(self) -> None:
        """After each read from the service: pass on what it produced."""
        if self.head_held and not self.finished:
            # Only the head so far: the body is on its way (the service wrote it right
            # after). Hold the head briefly rather than send it alone.
            if self.hold_timer is None:
                loop = self.client.loop or asyncio.get_running_loop()
                self.hold_timer = loop.call_later(HEAD_HOLD_SECONDS, self._release_head)
            return
        self.flush_client()

    def _unhold(self) -> None:
        self.head_held = False
        if self.hold_timer is not None:
            self.hold_timer.cancel()
            self.hold_timer = None

    def _release_head(self) -> None:
        self.hold_timer = None
        if self.head_held and not self.finished:
            self.head_held = False
            self.flush_client()

    def flush_client(self) -> None:
        out = self.client_out
        if out:
            self.client.write(out[0] if len(out) == 1 else b"".join(out))
            out.clear()

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

    def on_timeout(self) -> None:
        self.deadline = 0.0
        if self.finished:
            return
        route = self.route
        assert route is not None
        conn = self.upstream
        if self.response_started and conn is not None:
            idle = time.monotonic() - conn.last_activity
            if self.client.write_paused or idle < route.timeout:
                # Streaming: only an idle service times out, not a long download.
                self.deadline = deadline = time.monotonic() + (
                    route.timeout - idle if idle < route.timeout else route.timeout
                )
                self.gw.deadlines.arm(deadline)
                return
        if conn is not None:
            self.upstream = None
            conn.close()
        if self.response_started:
            self.client.abort()
            self.finalize(False)
        elif self.peeking:  # the client never finished the small body we wait for
            self.fail(errors.REQUEST_TIMEOUT)
        else:
            self.fail(errors.TIMEOUT)

    # -- local responses and endings --
    def fail(self, error: errors.Error, retry_after: int = 0) -> None:
        if self.finished:
            return
        if self.response_started:
            self.client.abort()
            self.finalize(False)
            return
        conn = self.upstream
        if conn is not None:
            self.upstream = None
            conn.close()
        self.buffer = []
        self.client.resume(PAUSE_BUFFER)
        status, message = error
        extra = b"Retry-After: %d\r\n" % retry_after if retry_after else b""
        if not self.request_id:
            self.request_id = self.gw.new_request_id()
        self.respond(status, errors.error_body(status, message, self.request_id), extra)

    def respond(self, status: int, body: bytes, extra: bytes = b"", ctype: bytes = _JSON) -> None:
        self.local = True
        self.status = status
        self.response_started = True
        h = self.h
        body_pending = not self.request_done and (h.chunked or h.content_length > 0)
        close = body_pending or not self.keep_alive
        head = b"".join(
            (
                errors.status_line(status),
                ctype,
                b"Content-Length: %d\r\n" % len(body),
                b"X-Request-Id: ",
                self.request_id or self.gw.new_request_id(),
                b"\r\n",
                CURRENT_LINE,
                self.cors,
                self.limit_headers,
                extra,
                b"Connection: close\r\n" if close else b"",
                b"\r\n",
            )
        )
        self.client.write(head if self.method == b"HEAD" else head + body)
        self._response_finished()

    def _response_finished(self) -> None:
        self.response_done = True
        self.deadline = 0.0
        if self.request_done:
            self.finalize(True)
        elif self.h.chunked or self.h.content_length > 0:
            # Answered before the body was read: the connection cannot be reused.
            self.finalize(False)
        # else: a body-less request whose message-complete callback is about to arrive.

    def finalize(self, reusable: bool) -> None:
        if self.finished:
            return
        self.finished = True
        self._unhold()
        self.deadline = 0.0
        self.gw.metrics.request_done(self)
        self.client.exchange_done(self, reusable and self.keep_alive and not self.resp_close)

    def client_gone(self) -> None:
        self.finished = True
        self._unhold()
        self.deadline = 0.0
        conn = self.upstream
        if conn is not None:
            self.upstream = None
            conn.close()
        if self.task is not None and not self.task.done():
            self.task.cancel()
