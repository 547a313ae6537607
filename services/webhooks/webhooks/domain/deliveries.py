"""A delivery of one event to one endpoint: its status, and what follows an attempt."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from servelo_common.sql import FromRow

Status = Literal["pending", "succeeded", "failed"]
STATUSES: tuple[Status, ...] = ("pending", "succeeded", "failed")
JITTER = 0.2


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt got: an HTTP status (None when no answer came) and why it failed."""

    status: int | None
    duration_ms: int
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True, slots=True)
class Delivery(FromRow):
    id: UUID
    endpoint_id: UUID
    event_id: UUID
    type: str
    status: Status
    attempts: int
    response_status: int | None
    duration_ms: int | None
    error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @property
    def webhook_id(self) -> UUID:
        """The API calls an endpoint a webhook."""
        return self.endpoint_id


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter: `base * 2^(n-1)` seconds after the n-th failed
    attempt, at most `cap`, each delay +-20%; no more attempts once `window` has passed
    since the delivery was first (or again, by redeliver) queued."""

    base: float
    cap: float
    window: timedelta

    def delay(self, failed_attempts: int, rng: random.Random | None = None) -> float:
        exponent = min(max(failed_attempts - 1, 0), 62)
        nominal = min(self.base * (2.0**exponent), self.cap)
        spread = (rng or random).uniform(-JITTER, JITTER)
        return max(nominal * (1 + spread), 0.0)

    def next_attempt(
        self, *, failed_attempts: int, retry_from: datetime, now: datetime
    ) -> datetime | None:
        """When to try again after a failure, or None: give up (the window has passed)."""
        at = now + timedelta(seconds=self.delay(failed_attempts))
        return at if at - retry_from < self.window else None

    def schedule(self, attempts: int) -> list[float]:
        """Nominal delays (no jitter) before attempts 2..attempts+1, for the docs."""
        return [min(self.base * 2.0 ** min(n, 62), self.cap) for n in range(attempts)]
