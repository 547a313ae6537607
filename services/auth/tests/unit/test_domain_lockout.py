"""Sign-in lockout rules: ten free failures per email, then a doubling wait, a reset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from auth.domain import lockout

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EMAIL = lockout.POLICIES[lockout.EMAIL]


def fail(times: int, *, start: lockout.Counter | None = None) -> lockout.Counter:
    counter = start or lockout.Counter(0, None, None)
    for _ in range(times):
        counter = lockout.count_attempt(EMAIL, counter, NOW)
    return counter


def test_the_tenth_failure_locks_for_a_minute_then_the_wait_doubles_up_to_fifteen() -> None:
    assert fail(9).locked_until is None
    assert lockout.locked_for(fail(10), NOW) == 60
    assert lockout.locked_for(fail(11), NOW) == 120
    assert lockout.locked_for(fail(14), NOW) == 900
    assert lockout.locked_for(fail(40), NOW) == 900


def test_a_lock_is_over_once_its_time_has_passed() -> None:
    counter = fail(10)
    assert lockout.locked_for(counter, NOW + timedelta(seconds=61)) == 0


def test_failures_start_over_after_the_reset_time() -> None:
    stale = lockout.Counter(15, NOW - timedelta(hours=13), None)
    assert lockout.count_attempt(EMAIL, stale, NOW).failures == 1


def test_a_correct_password_takes_its_attempt_back() -> None:
    counter = lockout.take_back(EMAIL, fail(10))
    assert counter.failures == 9 and counter.locked_until is None


def test_emails_are_kept_as_a_digest_and_the_address_is_its_own_key() -> None:
    keys = lockout.keys_for(" Ann@Example.com", "10.0.0.1")
    assert keys[0] == (lockout.EMAIL, lockout.email_key("ann@example.com"))
    assert "ann" not in keys[0][1]
    assert keys[1] == (lockout.ADDRESS, "10.0.0.1")
    assert lockout.keys_for("a@b.io", None) == [(lockout.EMAIL, lockout.email_key("a@b.io"))]
