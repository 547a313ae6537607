"""Background workers: one supervised task each, restarted with backoff, never ended quietly.

`Worker.run()` is the long-running body. The supervisor logs whatever escapes it (with the
traceback) and starts it again after a growing pause, so a bug or an outage costs time,
never the task; `alive` is False only once the task has really ended, which `/readyz`
reports. `PollingWorker` is the loop shared by the outbox relay, the mail sender and
auth's janitor: do one batch (`work()`), wait for a Postgres NOTIFY on `channel` or the poll
interval, back off while a dependency fails; its LISTEN connection is dropped and taken
again whenever it breaks (a Postgres restart closes it under us).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from servelo_common.errors import is_unavailable

log = logging.getLogger("servelo.worker")

MIN_BACKOFF = 0.1
MAX_BACKOFF = 5.0
# A run that lasted this long was healthy: the next failure starts the backoff afresh.
HEALTHY_RUN = 60.0


class Worker:
    """A named background task under supervision."""

    min_backoff = MIN_BACKOFF
    max_backoff = MAX_BACKOFF

    def __init__(self, name: str) -> None:
        self.name = name
        self.restarts = 0
        self.last_error: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def run(self) -> None:
        raise NotImplementedError

    def expected(self, exc: Exception) -> bool:
        """An outage rather than a bug: logged without a traceback (it is retried all the
        same)."""
        return is_unavailable(exc)

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._supervise(), name=self.name)

    async def stop(self) -> None:
        self._stopping = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @property
    def alive(self) -> bool:
        """Running (or restarting after a failure); False once the task has ended."""
        return self._task is not None and not self._task.done()

    async def _supervise(self) -> None:
        backoff = self.min_backoff
        while True:
            started = time.monotonic()
            try:
                await self.run()
                self.last_error = "run() returned"
                log.error("worker ended unexpectedly; restarting", extra={"worker": self.name})
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.last_error = repr(exc)[:500]
                expected = self.expected(exc)
                log.log(
                    logging.WARNING if expected else logging.ERROR,
                    "worker failed; restarting",
                    exc_info=not expected,
                    extra={"worker": self.name, "error": self.last_error, "in": backoff},
                )
            self.restarts += 1
            if time.monotonic() - started > HEALTHY_RUN:
                backoff = self.min_backoff
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff)


class PollingWorker(Worker):
    """LISTEN + poll + backoff around `work()`, which returns True when more is waiting."""

    poll_interval = 1.0

    def __init__(self, name: str, pool: asyncpg.Pool, *, channel: str | None = None) -> None:
        super().__init__(name)
        self.pool = pool
        self.channel = channel
        self._wake = asyncio.Event()
        self._listener: Any = None

    async def work(self) -> bool:
        raise NotImplementedError

    async def prepare(self) -> None:
        """Runs before the loop (and again after a restart): wait for what work() needs."""

    async def run(self) -> None:
        try:
            await self.prepare()
            backoff = self.min_backoff
            while True:
                try:
                    await self._ensure_listening()
                    # Cleared before the round, not after: a NOTIFY that arrives while
                    # work() runs is for a row its snapshot may not see, and must start
                    # the next round at once rather than wait out the poll interval.
                    self._wake.clear()
                    more = await self.work()
                    backoff = self.min_backoff
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    # An outage: expected, retried for as long as it lasts.
                    self.last_error = repr(exc)[:500]
                    log.warning(
                        "worker step failed; will retry",
                        extra={"worker": self.name, "error": self.last_error},
                    )
                    await self._drop_listener()
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, self.max_backoff)
                    continue
                if more:
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_interval)
        finally:
            # Give the LISTEN connection back, or closing the pool waits for it for ever.
            await self._drop_listener()

    def wake(self, *_: object) -> None:
        self._wake.set()

    def _listener_alive(self) -> bool:
        try:
            return not self._listener.is_closed()
        except asyncpg.InterfaceError:
            # asyncpg has already taken a lost connection back into the pool.
            return False

    async def _ensure_listening(self) -> None:
        if self.channel is None:
            return
        if self._listener is not None and self._listener_alive():
            return
        await self._drop_listener()
        conn = await self.pool.acquire()
        try:
            await conn.add_listener(self.channel, self.wake)
        except BaseException:
            await self.pool.release(conn)
            raise
        self._listener = conn
        # Anything committed while nobody listened is found by the work() that follows.

    async def _drop_listener(self) -> None:
        conn, self._listener = self._listener, None
        if conn is None:
            return
        if self.channel is not None:
            with contextlib.suppress(Exception):
                await conn.remove_listener(self.channel, self.wake)
        try:
            await self.pool.release(conn)
        except Exception:
            # A broken connection: make sure the pool does not hand it out again.
            with contextlib.suppress(Exception):
                conn.terminate()


class Job(Worker):
    """A supervised coroutine: `factory()` is awaited again whenever it fails or returns."""

    def __init__(self, name: str, factory: Callable[[], Awaitable[None]]) -> None:
        super().__init__(name)
        self.factory = factory

    async def run(self) -> None:
        await self.factory()
