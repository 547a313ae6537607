"""Revocation instants are floored to the millisecond, like token `iat`."""

from __future__ import annotations

import time

from auth.domain.revocations import revocation_time


def test_revocation_time_is_whole_milliseconds_and_not_in_the_future() -> None:
    before = time.time()
    at, at_dt = revocation_time()
    assert at == round(at, 3) and at_dt.timestamp() == at
    assert before - 0.001 <= at <= time.time()
