"""Deadlines of one duration for many blocks at once, on one timer.

    deadlines = Deadlines(28.0)
    async with deadlines.scope() as deadline:
        ...                       # TimeoutError if still running 28 s (+ a tick) later
        deadline.disarm()         # from here on the block may take as long as it likes

What `asyncio.timeout` does, for a hot path. `asyncio.timeout` schedules a timer per block,
and a per-request block cost a service ~6 µs of its ~150 µs for a `GET` (a `TimerHandle`,
the loop's heap, the `Timeout` object; docs/benchmarks-e2e.md). Here every block of one
`Deadlines` has the same duration, so they expire in the order they began: they wait in
an `OrderedDict` in that order, and one timer, armed only while some wait, ticks and
cancels those whose time has come. Entering and leaving a block is two dict operations.

A deadline is late by at most one tick (a tenth of the duration, 100 ms at the most). The
cancellation is the same as `asyncio.timeout`'s: the task is cancelled, and the block turns
that `CancelledError` into `TimeoutError` unless the task was also cancelled by someone
else meanwhile (`Task.cancelling`/`uncancel`), which then goes on as a cancellation.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from types import TracebackType

MAX_TICK = 0.1


class Deadline:
    """One block's deadline (`Deadlines.scope`): an async context manager."""

    __slots__ = ("_cancelling", "_expired", "_owner", "_task", "at")

    def __init__(self, owner: Deadlines) -> None:
        self._owner = owner
        self._task: asyncio.Task[object] | None = None
        self._cancelling = 0
        self._expired = False
        self.at = 0.0

    async def __aenter__(self) -> Deadline:
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("a deadline needs a task")
        self._task, self._cancelling = task, task.cancelling()
        self._owner._add(self)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._owner._discard(self)
        if not self._expired or self._task is None:
            return
        # Taken back whatever ended the block: the cancel was ours.
        others = self._task.uncancel()
        if others <= self._cancelling and exc_type is asyncio.CancelledError:
            raise TimeoutError from exc

    def disarm(self) -> None:
        """No deadline for the rest of the block (an answer that has started streaming)."""
        self._owner._discard(self)

    def expired(self) -> bool:
        return self._expired

    def _expire(self) -> None:
        self._expired = True
        if self._task is not None:
            self._task.cancel()


class Deadlines:
    """Blocks that each must end within `seconds` of their start."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.tick = min(MAX_TICK, seconds / 10)
        self._waiting: OrderedDict[Deadline, None] = OrderedDict()
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def scope(self) -> Deadline:
        return Deadline(self)

    def _add(self, deadline: Deadline) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # first use, or a new loop (tests): nothing carries over
            self._waiting.clear()
            self._timer, self._loop = None, loop
        deadline.at = loop.time() + self.seconds
        self._waiting[deadline] = None
        if self._timer is None:
            self._timer = loop.call_at(deadline.at, self._check)

    def _discard(self, deadline: Deadline) -> None:
        self._waiting.pop(deadline, None)

    def _check(self) -> None:
        self._timer = None
        loop = self._loop
        if loop is None:
            return
        now = loop.time()
        while self._waiting:
            first = next(iter(self._waiting))
            if first.at > now:
                # Not before the first one is due, nor sooner than a tick from now.
                self._timer = loop.call_at(max(first.at, now + self.tick), self._check)
                return
            self._waiting.popitem(last=False)
            first._expire()
