"""A bounded, fair line for the password-hash slots.

`slots` jobs run at once (each argon2 hash takes 64 MiB and tens of milliseconds). A request
takes a place first (`reserve`, synchronous): past `max_waiting` places not yet running the
answer is 503 at once, and one client (address) holds at most `per_client` places, so a
flood is refused in microseconds instead of queueing for minutes. A client runs at most
`slots - 1` jobs at once and a freed slot goes to the waiting client with the fewest jobs
running, so a flood from one address never makes another client's sign-in wait behind it.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import Any, TypeVar

from servelo_common.errors import ApiError, rate_limited

T = TypeVar("T")

BUSY = "Too many sign-ins at once; retry shortly"


class QueueFull(ApiError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(503, BUSY, headers={"Retry-After": str(retry_after)})


class ClientBusy(ApiError):
    """One client holds its share of the line: 429, with the RateLimit fields of that share
    (`per_client` hashes at a time)."""

    def __init__(self, retry_after: int, per_client: int) -> None:
        limited = rate_limited(
            retry_after=retry_after, policy="hash-line", quota=per_client, window=1
        )
        super().__init__(429, limited.message, headers=limited.headers, code=limited.code)


class HashQueue:
    def __init__(self, slots: int, max_waiting: int) -> None:
        self.slots = max(1, slots)
        self.max_waiting = max(1, max_waiting)
        self.per_client_running = max(1, self.slots - 1)
        self.per_client = max(2, self.max_waiting // 4)
        self._places: dict[str, int] = {}
        self._held = 0  # places taken, running or not
        # Client None: internal callers (bootstrap, org creation), not one client to limit.
        self._running: dict[str | None, int] = {}
        self._busy = 0
        self._waiters: list[tuple[str | None, asyncio.Future[None]]] = []  # arrival order
        self._seconds = 0.1  # moving average of one job, for Retry-After

    def reserve(self, client: str | None) -> Place:
        """A place in line for `client`, or 503 / 429 right away."""
        if self._held - self._busy >= self.max_waiting:
            raise QueueFull(self.retry_after())
        if client is not None:
            if self._places.get(client, 0) >= self.per_client:
                raise ClientBusy(self.retry_after(), self.per_client)
            self._places[client] = self._places.get(client, 0) + 1
        self._held += 1
        return Place(self, client)

    def retry_after(self) -> int:
        waiting = max(0, self._held - self._busy)
        estimate = (waiting / self.slots + 1) * self._seconds
        return min(60, max(1, math.ceil(estimate)))

    def _leave(self, client: str | None) -> None:
        self._held -= 1
        if client is not None:
            left = self._places[client] - 1
            if left:
                self._places[client] = left
            else:
                del self._places[client]

    def _can_start(self, client: str | None) -> bool:
        if self._busy >= self.slots:
            return False
        return client is None or self._running.get(client, 0) < self.per_client_running

    def _start(self, client: str | None) -> None:
        self._busy += 1
        self._running[client] = self._running.get(client, 0) + 1

    def _stop(self, client: str | None) -> None:
        self._busy -= 1
        left = self._running[client] - 1
        if left:
            self._running[client] = left
        else:
            del self._running[client]

    async def _acquire(self, client: str | None) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (client, future)
        self._waiters.append(entry)
        self._dispatch()
        if future.done():
            return  # a slot was free for this client
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():  # granted, then cancelled: pass it on
                self._stop(client)
                self._dispatch()
            elif entry in self._waiters:
                self._waiters.remove(entry)
            raise

    def _finish(self, client: str | None, started: float) -> None:
        self._seconds = 0.8 * self._seconds + 0.2 * (time.monotonic() - started)
        self._stop(client)
        self._dispatch()

    def _dispatch(self) -> None:
        """Free slots go to the waiting client with the fewest jobs running (then the oldest)."""
        self._waiters = [w for w in self._waiters if not w[1].done()]
        while self._busy < self.slots:
            best, best_running = -1, math.inf
            for i, (client, _) in enumerate(self._waiters):
                if not self._can_start(client):
                    continue
                running = self._running.get(client, 0)
                if running < best_running:
                    best, best_running = i, running
                    if running == 0:
                        break
            if best < 0:
                return
            client, future = self._waiters.pop(best)
            self._start(client)
            future.set_result(None)


class Place:
    """A reserved place; `run` waits for a slot, runs the job in a thread, frees the slot."""

    def __init__(self, queue: HashQueue, client: str | None) -> None:
        self.queue = queue
        self.client = client
        self._left = False

    def __enter__(self) -> Place:
        return self

    def __exit__(self, *_: object) -> None:
        if not self._left:
            self._left = True
            self.queue._leave(self.client)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        queue = self.queue
        await queue._acquire(self.client)
        started = time.monotonic()
        job = asyncio.get_running_loop().run_in_executor(None, fn, *args)
        try:
            result = await asyncio.shield(job)
        except asyncio.CancelledError:
            # The thread cannot be stopped: its slot stays taken until it ends, so no more
            # than `slots` hashes ever hold their memory at once.
            job.add_done_callback(lambda done: self._finished_late(done, started))
            raise
        except BaseException:
            queue._finish(self.client, started)
            raise
        queue._finish(self.client, started)
        return result

    def _finished_late(self, job: asyncio.Future[Any], started: float) -> None:
        if not job.cancelled():
            job.exception()  # retrieved: the caller is gone
        self.queue._finish(self.client, started)
