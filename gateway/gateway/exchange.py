"""One request through the gateway: admission decides, the exchange carries it out.
The client's half (the answer, its framing, the end) is gateway.answer's; the service's
half (connection, request sent up, answer relayed) is gateway.relay's."""

from __future__ import annotations

import asyncio
import time
from functools import partial
from typing import Any, Protocol

from gateway import errors, tracing
from gateway.admission import admit, admit_after_peek
from gateway.app import Gateway
from gateway.decisions import FORWARD, PEEK, Admission, Decision, Fail, Later, Peer, Respond
from gateway.headers import parse_request_headers
from gateway.relay import PAUSE_BUFFER, Flow, Relay

BUFFER_HIGH = 256 * 1024  # body bytes held while waiting before the client is paused


class Client(Flow, Peer, Protocol):
    """The client connection an exchange serves (gateway.protocol.ClientProtocol)."""

    gw: Gateway

    def exchange_done(self, ex: Exchange, keep_alive: bool) -> None: ...


class Exchange(Relay):
    __slots__ = ("body_received", "peeking")
    client: Client

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
        gw = client.gw
        # What admission learns: tenant, route, identity, limits (gateway.admission).
        upload = gw.body_limits.upload
        # The head's headers are parsed once, here (a pipelined request waits parsed).
        h = parse_request_headers(raw_headers)
        a = Admission(method, url, http10, client.peer, upload, h)
        super().__init__(client, gw, a, http10, keep_alive)
        self.peeking = False
        self.body_received = 0

    # -- admission --
    def begin(self) -> None:
        a = self.a
        self.request_id = a.h.request_id or self.gw.new_request_id()
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
        self._close_upstream()
        if self.response_started:
            self.client.abort()
            self.finalize(False)
        elif self.peeking:  # the client never finished the small body we wait for
            self.fail(errors.REQUEST_TIMEOUT)
        else:
            self.fail(errors.TIMEOUT)

    def ended(self, keep_alive: bool) -> None:
        self.client.exchange_done(self, keep_alive)

    def client_gone(self) -> None:
        self.finished = True
        self._unhold()
        self.deadline = 0.0
        if self.span is not None:
            tracing.finish(self.span, 0)  # the client left before its answer
            self.span = None
        self._close_upstream()
        if self.task is not None and not self.task.done():
            self.task.cancel()
