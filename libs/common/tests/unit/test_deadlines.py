"""`Deadlines`: what `asyncio.timeout` does for blocks of one duration, on one timer."""

import asyncio
import time

import pytest
from servelo_common.deadlines import Deadlines


async def test_a_block_past_its_deadline_raises_timeout_error_about_on_time() -> None:
    deadlines = Deadlines(0.2)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        async with deadlines.scope() as deadline:
            await asyncio.sleep(5)
    late = time.monotonic() - started - 0.2
    assert 0 <= late < deadlines.tick + 0.1
    assert deadline.expired()


async def test_blocks_that_end_in_time_are_left_alone_and_the_others_expire() -> None:
    deadlines = Deadlines(0.3)

    async def block(seconds: float) -> str:
        try:
            async with deadlines.scope():
                await asyncio.sleep(seconds)
        except TimeoutError:
            return "expired"
        return "done"

    # Started one after another, as requests come; the short ones end before their time.
    tasks = []
    for n in range(40):
        tasks.append(asyncio.create_task(block(0.05 if n % 2 else 2.0)))
        await asyncio.sleep(0.002)
    results = await asyncio.wait_for(asyncio.gather(*tasks), 2)
    assert results == ["done" if n % 2 else "expired" for n in range(40)]


async def test_a_disarmed_block_may_take_longer() -> None:
    deadlines = Deadlines(0.1)
    async with deadlines.scope() as deadline:
        deadline.disarm()
        await asyncio.sleep(0.3)
    assert not deadline.expired()


async def test_someone_elses_cancel_stays_a_cancellation() -> None:
    deadlines = Deadlines(5)
    entered = asyncio.Event()

    async def block() -> None:
        async with deadlines.scope():
            entered.set()
            await asyncio.sleep(5)

    task = asyncio.create_task(block())
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_cancel_of_the_task_while_its_deadline_expires_is_not_swallowed() -> None:
    """Both at once: the deadline's cancel is taken back, the other one goes on (as with
    `asyncio.timeout`)."""
    deadlines = Deadlines(0.05)
    task: asyncio.Task[None] | None = None

    async def block() -> None:
        async with deadlines.scope():
            try:
                await asyncio.sleep(5)
            finally:
                assert task is not None
                task.cancel()  # another cancel arrives while the block unwinds

    task = asyncio.create_task(block())
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 2)


def test_one_deadlines_serves_successive_event_loops() -> None:
    deadlines = Deadlines(0.05)

    async def expires() -> bool:
        try:
            async with deadlines.scope():
                await asyncio.sleep(1)
        except TimeoutError:
            return True
        return False

    assert asyncio.run(expires()) and asyncio.run(expires())
