"""Request timeouts with one event-loop timer for the whole gateway.

A `loop.call_later` per request (and its cancel) cost about as much as the rest of the
request's admission. Instead each exchange stores a deadline (a float, 0 = none) and the
gateway keeps one timer at the earliest deadline it was told about. When it fires, every
connection expires what is due and reports its next deadline. Requests finish long before
their deadline, so with one timeout for all routes the timer is re-armed only after it
fires; a route with a shorter timeout re-arms it earlier.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable

# uvloop timers have millisecond resolution: a deadline this close counts as due, so
# a timer that fires a hair early does not spin on a zero-delay re-arm.
SLACK = 0.001


class Deadlines:
    __slots__ = ("_expire", "_handle", "at")

    def __init__(self, expire: Callable[[float], float]) -> None:
        # expire(now): time out whatever is due at `now`; return the next deadline (inf: none).
        self._expire = expire
        # When the timer fires (inf: not armed). Hot paths compare with it before calling
        # arm(): a later deadline needs nothing done now.
        self.at = math.inf
        self._handle: asyncio.TimerHandle | None = None

    def arm(self, deadline: float) -> None:
        """Make sure the timer fires no later than `deadline` (a `time.monotonic()` value)."""
        if deadline < self.at:
            if self._handle is not None:
                self._handle.cancel()
            self.at = deadline
            delay = deadline - time.monotonic()
            self._handle = asyncio.get_running_loop().call_later(max(delay, 0.0), self._fire)

    def _fire(self) -> None:
        self._handle = None
        self.at = math.inf
        nxt = self._expire(time.monotonic() + SLACK)
        if nxt < math.inf:
            self.arm(nxt)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self.at = math.inf
