"""The retry rule: exponential, jittered, capped, bounded by the window."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from webhooks.domain.deliveries import Outcome, RetryPolicy

POLICY = RetryPolicy(base=5.0, cap=3600.0, window=timedelta(days=3))
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_delays_double_from_the_base_up_to_the_cap_with_jitter() -> None:
    rng = random.Random(7)
    for attempt, nominal in [(1, 5.0), (2, 10.0), (3, 20.0), (10, 2560.0), (11, 3600.0)]:
        delays = [POLICY.delay(attempt, rng) for _ in range(200)]
        assert min(delays) >= nominal * 0.8 and max(delays) <= nominal * 1.2, attempt
        assert len(set(delays)) > 100  # jittered: retries of many receivers do not align
    assert POLICY.delay(10_000) <= 3600 * 1.2


def test_the_schedule_for_the_docs() -> None:
    assert POLICY.schedule(4) == [5.0, 10.0, 20.0, 40.0]


def test_no_attempt_after_the_window() -> None:
    queued = NOW - timedelta(days=3) + timedelta(seconds=1)
    assert POLICY.next_attempt(failed_attempts=1, retry_from=NOW, now=NOW) is not None
    assert POLICY.next_attempt(failed_attempts=1, retry_from=queued, now=NOW) is None


def test_only_2xx_is_a_success() -> None:
    assert Outcome(200, 1, None).succeeded and Outcome(299, 1, None).succeeded
    for status in (None, 199, 301, 307, 404, 500):
        assert not Outcome(status, 1, "x").succeeded
