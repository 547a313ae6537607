"""In-memory rate limits (GCRA, one float per key). Per replica: N replicas allow N x the rate."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable


class RateLimiter:
    """`limit` requests per `period` seconds per key, bursts up to `limit`."""

    __slots__ = ("_clock", "_interval", "_tat", "limit", "period", "refused")

    def __init__(
        self, limit: int, period: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.period = period
        self._interval = period / limit if limit > 0 else 0.0
        self._clock = clock
        self._tat: dict[Hashable, float] = {}
        self.refused = 0  # requests refused (servelo_gateway_ratelimit_refusals_total)

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def hit(self, key: Hashable) -> int:
        """Count one request: 0 when allowed, else the whole seconds to wait (Retry-After)."""
        if self.limit <= 0:
            return 0
        now = self._clock()
        tat = self._tat.get(key, now)
        if tat < now:
            tat = now
        new_tat = tat + self._interval
        excess = new_tat - now - self.period
        if excess > 0:
            self.refused += 1
            return max(1, math.ceil(excess))
        self._tat[key] = new_tat
        return 0

    def headers(self, name: bytes, key: Hashable, wait: int = 0) -> bytes:
        """The IETF RateLimit and RateLimit-Policy fields (structured-field draft) for `key`:
        quota `q` per window `w`, what is left `r` and the seconds `t` until it is all
        back (`wait`, the Retry-After, when the request was refused). A limit switched off
        (0) has no policy to state: no fields (and no division by its zero interval)."""
        if not self.enabled:
            return b""
        now = self._clock()
        tat = max(self._tat.get(key, now), now)
        if wait:
            remaining, reset = 0, wait
        else:
            remaining = max(0, self.limit - math.ceil((tat - now) / self._interval))
            reset = math.ceil(tat - now)
        return b'RateLimit-Policy: "%s";q=%d;w=%d\r\nRateLimit: "%s";r=%d;t=%d\r\n' % (
            name,
            self.limit,
            round(self.period),
            name,
            remaining,
            reset,
        )

    def prune(self) -> None:
        """Forget keys back at full allowance (periodic; keeps memory bounded by active keys)."""
        now = self._clock()
        for key, tat in list(self._tat.items()):
            if tat <= now:
                del self._tat[key]

    def __len__(self) -> int:
        return len(self._tat)
