"""The client's half of an exchange: its answer (a service's, relayed, or the gateway's own),
how the answer is framed and written, and the end of the exchange with its access log line.
gateway.exchange adds admission and the service's half."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol

from gateway import replies, tracing
from gateway.app import Gateway
from gateway.decisions import Admission
from gateway.headers import RequestHeaders

if TYPE_CHECKING:
    from opentelemetry.trace import Span

HEAD_HOLD_SECONDS = 0.005  # longest a response head waits for its body's first bytes


class Writer(Protocol):
    """Where the answer goes (the client connection)."""

    loop: asyncio.AbstractEventLoop | None
    last_activity: float  # time.monotonic() of the last read (the one that completed a head)

    def write(self, data: bytes) -> None: ...
    def abort(self) -> None: ...


class Answer:
    __slots__ = (
        "a",
        "client",
        "client_out",
        "deadline",
        "eof_body",
        "finished",
        "forwarded_at",
        "gw",
        "h",
        "head_held",
        "hold_timer",
        "http10",
        "keep_alive",
        "local",
        "method",
        "request_done",
        "request_id",
        "resp_chunked",
        "resp_close",
        "response_done",
        "response_started",
        "span",
        "started_at",
        "status",
    )

    def __init__(
        self, client: Writer, gw: Gateway, a: Admission, http10: bool, keep_alive: bool
    ) -> None:
        self.client = client
        self.gw = gw
        self.a = a  # what admission learnt: CORS and rate-limit lines, path and org to log
        self.method = a.method
        self.http10 = http10
        self.keep_alive = keep_alive
        self.h: RequestHeaders = a.h
        self.request_id = b""
        self.client_out: list[bytes] = []
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
        self.span: Span | None = None  # gateway.tracing, only when tracing is on
        # The read that completed the head (protocol.data_received): no clock call here.
        self.started_at = client.last_activity
        self.forwarded_at = 0.0  # sent on to a service (the upstream time starts)

    # -- a service's answer, relayed (gateway.relay writes its head) --
    def on_response_body(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self.head_held:
            self._unhold()
        if self.resp_chunked:
            self.client_out.extend((b"%x\r\n" % len(chunk), chunk, b"\r\n"))
        else:
            self.client_out.append(chunk)

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

    # -- the gateway's own answers --
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

    # -- endings --
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
        self.gw.metrics.request_done(self)  # counts it, and its sampled access line
        if self.span is not None:
            tracing.finish(self.span, self.status)
            self.span = None
        self.ended(reusable and self.keep_alive and not self.resp_close)

    def ended(self, keep_alive: bool) -> None:
        """The exchange is over; `keep_alive`: its connection may serve the next request."""
        raise NotImplementedError
