"""One timer for all request timeouts: fires at the earliest deadline, then re-arms."""

from __future__ import annotations

import asyncio
import math
import time

from gateway.deadlines import Deadlines


async def test_fires_at_the_earliest_deadline_and_rearms_for_the_next() -> None:
    pending: list[float] = []
    fired: list[float] = []
    done = asyncio.Event()

    def expire(now: float) -> float:
        fired.extend(d for d in pending if d <= now)
        pending[:] = [d for d in pending if d > now]
        if not pending:
            done.set()
        return min(pending, default=math.inf)

    deadlines = Deadlines(expire)
    start = time.monotonic()
    for delay in (0.3, 0.05, 0.15):  # a shorter timeout re-arms the timer earlier
        pending.append(start + delay)
        deadlines.arm(start + delay)
    await asyncio.wait_for(done.wait(), 5)
    assert sorted(fired) == sorted([start + 0.05, start + 0.15, start + 0.3])
    assert time.monotonic() - start >= 0.3 - 0.002


async def test_nothing_due_yet_means_no_expiry() -> None:
    calls: list[float] = []

    def expire(now: float) -> float:
        calls.append(now)
        return math.inf

    deadlines = Deadlines(expire)
    deadlines.arm(time.monotonic() + 60)
    await asyncio.sleep(0.05)
    assert calls == []
    deadlines.cancel()
