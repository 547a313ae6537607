"""The password-hash line: bounded, refused at once when full, fair between clients."""

from __future__ import annotations

import asyncio
import threading

import pytest
from auth.hash_queue import ClientBusy, HashQueue, QueueFull


class Jobs:
    """Jobs that run in the executor until the test releases them."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.gates: dict[str, threading.Event] = {}

    def job(self, name: str) -> str:
        self.started.append(name)
        self.gates.setdefault(name, threading.Event()).wait(10)
        return name

    def release(self, name: str) -> None:
        self.gates.setdefault(name, threading.Event()).set()


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0.005)


async def run(queue: HashQueue, jobs: Jobs, client: str | None, name: str) -> str:
    with queue.reserve(client) as place:
        return await place.run(jobs.job, name)


async def test_past_the_bound_a_place_is_refused_at_once_with_retry_after() -> None:
    queue = HashQueue(slots=1, max_waiting=2)
    places = [queue.reserve(f"c{i}") for i in range(2)]
    with pytest.raises(QueueFull) as refused:
        queue.reserve("c9")
    assert refused.value.status == 503
    assert refused.value.headers is not None
    assert int(refused.value.headers["Retry-After"]) >= 1
    for place in places:
        place.__exit__(None, None, None)
    queue.reserve("c9").__exit__(None, None, None)  # free again


async def test_one_client_holds_a_bounded_number_of_places() -> None:
    queue = HashQueue(slots=2, max_waiting=8)  # 8 // 4 = 2 places per client
    first, second = queue.reserve("a"), queue.reserve("a")
    with pytest.raises(ClientBusy) as refused:
        queue.reserve("a")
    assert refused.value.status == 429
    queue.reserve("b").__exit__(None, None, None)
    first.__exit__(None, None, None)
    second.__exit__(None, None, None)


async def test_a_flood_from_one_client_leaves_a_slot_for_another() -> None:
    queue = HashQueue(slots=2, max_waiting=40)
    jobs = Jobs()
    flood = [asyncio.ensure_future(run(queue, jobs, "attacker", f"a{i}")) for i in range(5)]
    await settle()
    assert jobs.started == ["a0"]  # one client never takes every slot
    other = asyncio.ensure_future(run(queue, jobs, "user", "u"))
    await settle()
    assert jobs.started == ["a0", "u"]  # started at once, not behind the flood
    jobs.release("u")
    assert await other == "u"
    for i in range(5):
        jobs.release(f"a{i}")
    assert await asyncio.gather(*flood) == [f"a{i}" for i in range(5)]


async def test_a_freed_slot_goes_to_the_client_with_the_fewest_running() -> None:
    queue = HashQueue(slots=3, max_waiting=40)  # a client runs at most 2 at once
    jobs = Jobs()
    tasks = [asyncio.ensure_future(run(queue, jobs, "a", f"a{i}")) for i in range(4)]
    tasks.append(asyncio.ensure_future(run(queue, jobs, None, "internal")))
    await settle()
    assert jobs.started == ["a0", "a1", "internal"]
    tasks.append(asyncio.ensure_future(run(queue, jobs, "b", "b0")))
    await settle()
    jobs.release("internal")
    await settle()
    assert jobs.started[-1] == "b0"  # b (none running) before a's third job
    for name in ("a0", "a1", "a2", "a3", "b0"):
        jobs.release(name)
    await asyncio.gather(*tasks)
    assert queue._busy == 0 and queue._held == 0


async def test_a_cancelled_waiter_leaves_the_line_and_a_cancelled_job_keeps_its_slot() -> None:
    queue = HashQueue(slots=1, max_waiting=8)
    jobs = Jobs()
    running = asyncio.ensure_future(run(queue, jobs, None, "r"))
    waiting = asyncio.ensure_future(run(queue, jobs, None, "w"))
    await settle()
    waiting.cancel()
    running.cancel()  # the thread goes on: its slot is not free until it ends
    await settle()
    third = asyncio.ensure_future(run(queue, jobs, None, "t"))
    await settle()
    assert jobs.started == ["r"]
    jobs.release("r")
    await settle()
    assert jobs.started == ["r", "t"]
    jobs.release("t")
    assert await third == "t"
    assert queue._busy == 0 and queue._held == 0 and not queue._waiters
