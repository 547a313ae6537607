"""Sign-in lockout rules (no I/O): failures per key, a growing wait, a reset.

Like Keycloak's brute-force detection (failure count, wait increment, max wait, failure
reset time), with the wait doubling. Every attempt counts as a failure when it starts (so
concurrent attempts cannot slip past the limit on any replica) and is taken back when the
password turns out right. The counters live in auth's database: docs/auth.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

EMAIL = "email"
ADDRESS = "ip"


@dataclass(frozen=True)
class Policy:
    free: int  # failures before the first lock
    first_wait: float  # seconds locked after failure number `free`
    max_wait: float  # the wait doubles with each further failure, up to this
    reset_after: float  # seconds without a failure after which the count starts over

    def wait_after(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.max_wait, self.first_wait * 2.0 ** min(failures - self.free, 30))


POLICIES = {
    # A person mistyping: ten tries, then 1, 2, 4, 8, 15 minutes; forgotten after 12 hours
    # without a failure or at once after a correct password.
    EMAIL: Policy(free=10, first_wait=60, max_wait=900, reset_after=12 * 3600),
    # One address guessing at many accounts of an org (password spraying).
    ADDRESS: Policy(free=20, first_wait=60, max_wait=900, reset_after=3600),
}


@dataclass(frozen=True)
class Counter:
    failures: int
    last_failure_at: datetime | None
    locked_until: datetime | None


def email_key(email: str) -> str:
    """Emails are kept as a digest: the table holds every address anyone typed."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def keys_for(email: str, ip: str | None) -> list[tuple[str, str]]:
    keys = [(EMAIL, email_key(email))]
    if ip:
        keys.append((ADDRESS, ip))
    return keys


def locked_for(counter: Counter, now: datetime) -> float:
    """Seconds this key is still locked (0: free to try)."""
    if counter.locked_until is None or counter.locked_until <= now:
        return 0.0
    return (counter.locked_until - now).total_seconds()


def count_attempt(policy: Policy, counter: Counter, now: datetime) -> Counter:
    """The counter with one more failure (the attempt starting now), locked if it is due."""
    stale = counter.last_failure_at is None or (
        now - counter.last_failure_at >= timedelta(seconds=policy.reset_after)
    )
    failures = 1 if stale else counter.failures + 1
    wait = policy.wait_after(failures)
    return Counter(failures, now, now + timedelta(seconds=wait) if wait else None)


def take_back(policy: Policy, counter: Counter) -> Counter:
    """The attempt succeeded: it was not a failure after all."""
    failures = max(0, counter.failures - 1)
    locked = counter.locked_until if policy.wait_after(failures) else None
    return Counter(failures, counter.last_failure_at, locked)
