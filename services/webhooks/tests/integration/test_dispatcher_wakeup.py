"""The dispatcher woken while a claim runs claims again at once: the NOTIFY of a delivery
committed after the claim took its snapshot is not lost until the next poll."""

import asyncio
import time
from types import SimpleNamespace
from typing import Any

import asyncpg
from servelo_dev.testing import eventually
from servelo_dev.testing.plugin import TestStack
from webhooks.dispatcher import Dispatcher
from webhooks.repository.deliveries import CHANNEL


class HeldDispatcher(Dispatcher):
    """The first claim waits for `release`; every claim is timed and finds nothing."""

    def __init__(self, ctx: Any) -> None:
        super().__init__(ctx, sender=SimpleNamespace(close=self._nothing))  # type: ignore[arg-type]
        self.release = asyncio.Event()
        self.claims: list[float] = []

    @staticmethod
    async def _nothing() -> None:
        return None

    async def claim(self) -> int:
        self.claims.append(time.monotonic())
        if len(self.claims) == 1:
            await self.release.wait()
        return 0


async def test_a_notify_during_a_claim_starts_the_next_claim_at_once(stack: TestStack) -> None:
    pool = await asyncpg.create_pool(stack.admin_dsn, min_size=1, max_size=2)
    settings = SimpleNamespace(
        webhooks_concurrency=8,
        webhooks_endpoint_concurrency=2,
        webhooks_timeout=1.0,
        webhooks_poll_interval=30.0,  # far past the test's bound: only a wake-up claims
    )
    dispatcher = HeldDispatcher(SimpleNamespace(pool=pool, settings=settings))
    dispatcher.start()
    try:

        async def first_claim_listening() -> None:
            assert len(dispatcher.claims) == 1 and dispatcher._listener is not None

        await eventually(first_claim_listening)
        await pool.execute(f"NOTIFY {CHANNEL}")

        async def woken() -> None:
            assert dispatcher._wake.is_set()

        await eventually(woken)
        released = time.monotonic()
        dispatcher.release.set()

        async def second_claim() -> None:
            assert len(dispatcher.claims) == 2

        await eventually(second_claim, timeout=2)
        assert dispatcher.claims[1] - released < 1.0
    finally:
        await dispatcher.stop()
        await pool.close()
