"""One request through the gateway: admission decides, then streaming to and from a service."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from functools import partial
from typing import Any, Protocol

from gateway import errors, heads, replies
from gateway.admission import (
    FORWARD,
    PEEK,
    Admission,
    Decision,
    Fail,
    Later,
    Peer,
    Respond,
    admit,
    admit_after_peek,
)
from gateway.app import Gateway
from gateway.headers import RequestHeaders, parse_request_headers, parse_response_headers
from gateway.upstream import UpstreamConnection

log = logging.getLogger("gateway.access")

# Why reading from the client is paused (a bit each; reading resumes when none is left).
PAUSE_UPSTREAM = 1  # the service's socket buffer is full
PAUSE_BUFFER = 2  # body buffered while waiting for a connection, a key refresh or a peek
PAUSE_PIPELINE = 4  # a pipelined request waits for the one in flight
PAUSE_WRITE = 8  # answers wait to be sent: the client does not read (see protocol)

HEAD_HOLD_SECONDS = 0.005  # longest a response head waits for its body's first bytes
BUFFER_HIGH = 256 * 1024  # body bytes held while waiting before the client is paused
REPLAY_MAX = 64 * 1024  # a request this small can be resent if a pooled socket was stale
IDEMPOTENT = frozenset({b"GET", b"HEAD", b"OPTIONS", b"PUT", b"DELETE"})


class Client(Peer, Protocol):
    """The client connection an exchange answers (gateway.protocol.ClientProtocol)."""

    gw: Gateway
    forwarded_block: bytes  # the X-Forwarded-* lines of an untrusted peer
    write_paused: bool  # the client does not read: the service's answer waits
    loop: asyncio.AbstractEventLoop | None

    def write(self, data: bytes) -> None: ...
    def pause(self, reason: int) -> None: ...
    def resume(self, reason: int) -> None: ...
    def abort(self) -> None: ...
    def exchange_done(self, ex: Exchange, keep_alive: bool) -> None: ...


class Exchange:
    __slots__ = (
        "a",
        "body_received",
        "buffer",
        "buffered",
        "chunked_up",
        "client",
        "client_out",
        "deadline",
        "eof_body",
        "finished",
        "gw",
        "h",
        "head_held",
        "hold_timer",
        "http10",
        "keep_alive",
        "local",
        "method",
        "peeking",
        "raw_headers",
        "request_done",
        "request_id",
        "resp_chunked",
        "resp_close",
        "response_done",
        "response_started",
        "retried",
        "sent",
        "started_at",
        "status",
        "task",
        "up_out",
        "upstream",
    )

    def __init__(
        self,
        client: Client,
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
        self.raw_headers = raw_headers
        self.http10 = http10
        self.keep_alive = keep_alive
        self.h: RequestHeaders = RequestHeaders()
        self.request_id = b""
        # What admission learns: tenant, route, identity, limits (gateway.admission).
        upload = self.gw.body_limits.upload
        self.a = Admission(method, url, http10=http10, client_ip=client.peer, body_limit=upload)
        self.peeking = False
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
        self.task: asyncio.Future[Any] | None = None
        self.started_at = time.monotonic() if self.gw.settings.access_log else 0.0

    # -- admission --
    def begin(self) -> None:
        a = self.a
        h = self.h = a.h = parse_request_headers(self.raw_headers)
        self.request_id = h.request_id or self.gw.new_request_id()
        q = a.url.find(b"?")
        a.path = a.url if q < 0 else a.url[:q]
        self.decide(admit(self.gw, self.client, a))

    def decide(self, decision: Decision) -> None:
        """Carry out what admission decided."""
        if decision is FORWARD or decision is PEEK:
            if self.body_received > self.a.body_limit:  # more came while it was decided
                self.fail(errors.TOO_LARGE)
            elif decision is FORWARD:
                self.forward()
            else:
                self.wait_for_body()
        elif isinstance(decision, Fail):
            self.fail(decision.error, decision.retry_after)
        elif isinstance(decision, Respond):
            self.respond(decision.status, decision.body, decision.extra, decision.ctype)
        elif isinstance(decision, Later):
            # Continue asynchronously (org lookup, key refresh, OpenAPI), the client paused.
            task = self.task = asyncio.ensure_future(decision.pending)
            task.add_done_callback(partial(self._decided_later, decision))

    def _decided_later(self, later: Later[Any], task: asyncio.Future[Any]) -> None:
        if self.finished or task.cancelled():
            return
        self.decide(later.then(task.result()))
        self.flush_upstream()

    def run(self, coro: Coroutine[Any, Any, None]) -> None:
        """Continue asynchronously (connect) with the client paused."""
        self.task = asyncio.ensure_future(coro)

    def wait_for_body(self) -> None:
        """Rate-limit keys of login/magic-link/refresh come from the (small) body."""
        if self.request_done:
            self.decide(admit_after_peek(self.gw, self.a, b"".join(self.buffer)))
        else:
            self.peeking = True
            route = self.a.route
            assert route is not None
            self.deadline = deadline = time.monotonic() + route.timeout  # a body that never ends
            self.gw.deadlines.arm(deadline)
            self._send_continue()

    # -- request body --
    def on_request_body(self, chunk: bytes) -> None:
        n = len(chunk)
        self.body_received += n
        if self.body_received > self.a.body_limit:
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
            self.decide(admit_after_peek(self.gw, self.a, b"".join(self.buffer)))
        if self.response_done and not self.finished:
            self.finalize(True)

    # -- forwarding --
    def forward(self) -> None:
        route = self.a.route
        assert route is not None
        self.deadline = deadline = time.monotonic() + route.timeout
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
        route = self.a.route
        assert route is not None
        client = self.client
        forwarded = heads.forwarded_block(
            self.h,
            peer=client.peer,
            client_ip=self.a.client_ip,
            trusted_block=client.peer_trusted,
            untrusted=client.forwarded_block,
        )
        head, self.chunked_up = heads.request_head(
            self.method,
            self.a.url,
            self.h,
            base_path=route.service.base_path,
            identity=self.a.identity,
            request_id=self.request_id,
            forwarded=forwarded,
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
        is_head = self.method == b"HEAD"
        head, self.resp_chunked, self.resp_close, self.eof_body, self.head_held = (
            heads.response_head(
                status,
                reason,
                r,
                is_head=is_head,
                request_id=self.request_id,
                cors=self.a.cors,
                limit_headers=self.a.limit_headers,
                http10=self.http10,
                keep_alive=self.keep_alive,
            )
        )
        self.client_out.append(head)
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
        route = self.a.route
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
        if not self.request_id:
            self.request_id = self.gw.new_request_id()
        status, message = error
        body = errors.error_body(status, message, self.request_id)
        self.respond(status, body, replies.retry_after(retry_after))

    def respond(
        self, status: int, body: bytes, extra: bytes = b"", ctype: bytes = replies.JSON
    ) -> None:
        self.local = True
        self.status = status
        self.response_started = True
        h = self.h
        body_pending = not self.request_done and (h.chunked or h.content_length > 0)
        self.client.write(
            replies.local_reply(
                status,
                body,
                request_id=self.request_id or self.gw.new_request_id(),
                cors=self.a.cors,
                limit_headers=self.a.limit_headers,
                extra=extra,
                ctype=ctype,
                close=body_pending or not self.keep_alive,
                head_only=self.method == b"HEAD",
            )
        )
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
        if self.started_at:
            log.info(
                "request",
                extra={
                    "method": self.method.decode(),
                    "path": self.a.path.decode("latin-1"),
                    "status": self.status,
                    "ms": round((time.monotonic() - self.started_at) * 1000, 3),
                    "request_id": self.request_id.decode(),
                    "org": self.a.org_slug,
                },
            )
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
