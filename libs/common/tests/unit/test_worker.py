"""Supervision: a background task that fails is logged and restarted, never ended quietly."""

import asyncio
import logging

import pytest
from servelo_common.worker import Worker


class Flaky(Worker):
    min_backoff = 0.01
    max_backoff = 0.02

    def __init__(self, failures: int, error: Exception) -> None:
        super().__init__("flaky")
        self.failures, self.error, self.runs = failures, error, 0
        self.steady = asyncio.Event()

    async def run(self) -> None:
        self.runs += 1
        if self.runs <= self.failures:
            raise self.error
        self.steady.set()
        await asyncio.Event().wait()


async def test_a_failing_worker_is_logged_and_restarted(caplog: pytest.LogCaptureFixture) -> None:
    worker = Flaky(3, RuntimeError("bug"))
    with caplog.at_level(logging.WARNING, logger="servelo.worker"):
        worker.start()
        await asyncio.wait_for(worker.steady.wait(), 5)
    try:
        assert worker.alive
        assert worker.restarts == 3
        failed = [r for r in caplog.records if r.getMessage() == "worker failed; restarting"]
        assert len(failed) == 3
        # A bug is an error with its traceback.
        assert all(r.levelno == logging.ERROR and r.exc_info for r in failed)
    finally:
        await worker.stop()
    assert not worker.alive


async def test_an_outage_is_a_warning_without_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    worker = Flaky(2, ConnectionRefusedError(111, "Connection refused"))
    with caplog.at_level(logging.WARNING, logger="servelo.worker"):
        worker.start()
        await asyncio.wait_for(worker.steady.wait(), 5)
    await worker.stop()
    failed = [r for r in caplog.records if r.getMessage() == "worker failed; restarting"]
    assert [r.levelno for r in failed] == [logging.WARNING] * 2
    assert not any(r.exc_info for r in failed)


async def test_a_worker_that_returns_is_restarted() -> None:
    class Returns(Worker):
        min_backoff = 0.01

        def __init__(self) -> None:
            super().__init__("returns")
            self.runs = 0

        async def run(self) -> None:
            self.runs += 1
            if self.runs > 2:
                await asyncio.Event().wait()

    worker = Returns()
    worker.start()
    for _ in range(200):
        if worker.runs > 2:
            break
        await asyncio.sleep(0.01)
    assert worker.runs == 3 and worker.alive
    assert worker.last_error == "run() returned"
    await worker.stop()


async def test_a_worker_whose_task_ended_is_not_alive() -> None:
    worker = Flaky(0, RuntimeError())
    worker.start()
    await asyncio.wait_for(worker.steady.wait(), 5)
    assert worker._task is not None
    worker._task.cancel()  # what a bug outside the supervisor would look like
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert not worker.alive
