"""A `PollingWorker` woken while its `work()` runs goes round again at once: the NOTIFY of a
row committed after `work()` took its snapshot is not lost until the next poll."""

import asyncio
import time

import asyncpg
from servelo_common.worker import PollingWorker
from servelo_dev.testing import eventually
from servelo_dev.testing.plugin import TestStack

CHANNEL = "servelo_test_wakeup"


class HeldWorker(PollingWorker):
    """The first `work()` waits for `release`; every call is timed."""

    poll_interval = 30.0  # far past the test's bound: only a NOTIFY can start a round

    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__("held", pool, channel=CHANNEL)
        self.release = asyncio.Event()
        self.calls: list[float] = []

    async def work(self) -> bool:
        self.calls.append(time.monotonic())
        if len(self.calls) == 1:
            await self.release.wait()
        return False


async def test_a_notify_during_work_starts_the_next_round_at_once(
    stack: TestStack, pool: asyncpg.Pool
) -> None:
    worker = HeldWorker(pool)
    worker.start()
    try:

        async def first_round_listening() -> None:
            assert len(worker.calls) == 1 and worker._listener is not None

        await eventually(first_round_listening)
        # While the first round runs, another transaction commits and notifies.
        conn = await asyncpg.connect(stack.admin_dsn)
        try:
            await conn.execute(f"NOTIFY {CHANNEL}")
        finally:
            await conn.close()

        async def woken() -> None:
            assert worker._wake.is_set()

        await eventually(woken)
        released = time.monotonic()
        worker.release.set()

        async def second_round() -> None:
            assert len(worker.calls) == 2

        await eventually(second_round, timeout=2)
        assert worker.calls[1] - released < 1.0
    finally:
        await worker.stop()
