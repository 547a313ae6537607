"""A registry miss asks auth: a new org answers on every replica as soon as it exists.

Events keep the registry current within milliseconds, but "milliseconds" is not "at once":
a client that signs in right after `POST /api/admin/orgs` answered 201 can reach a replica
before the `org-created` event does. On a miss the gateway asks auth for that one slug:

- one request per slug at a time (concurrent misses wait for the same answer);
- an unknown slug is remembered as unknown for `NEGATIVE_TTL` seconds;
- at most `max_per_second` lookups per replica: random hosts cannot turn the gateway into
  a flood of requests to auth (past the budget a miss is simply an unknown tenant);
- an answer that arrives after an event touched the same slug is dropped: the ordered
  event stream is the authority, a lookup only fills the gap before its event.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from gateway.ratelimit import RateLimiter
from gateway.tenants import Org, OrgRegistry

log = logging.getLogger("gateway.orglookup")

NEGATIVE_TTL = 2.0
MAX_NEGATIVE = 10_000

# Fetches one org from auth by slug: its JSON, or None when auth says there is none.
Fetch = Callable[[str], Awaitable[dict[str, Any] | None]]


class OrgLookup:
    def __init__(
        self,
        registry: OrgRegistry,
        fetch: Fetch,
        *,
        max_per_second: int = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.registry = registry
        self._fetch = fetch
        self._clock = clock
        self._budget = RateLimiter(max_per_second, period=1.0, clock=clock)
        self._negative: dict[bytes, float] = {}
        self._inflight: dict[bytes, asyncio.Future[Org | None]] = {}

    def known_unknown(self, slug: bytes) -> bool:
        """True when `slug` was looked up and found missing moments ago (no lookup needed)."""
        until = self._negative.get(slug)
        if until is None:
            return False
        if until > self._clock():
            return True
        del self._negative[slug]
        return False

    async def find(self, slug: bytes) -> Org | None:
        org = self.registry.get(slug)
        if org is not None or self.known_unknown(slug):
            return org
        pending = self._inflight.get(slug)
        if pending is None:
            if self._budget.hit("lookup"):
                return None
            pending = asyncio.ensure_future(self._lookup(slug))
            self._inflight[slug] = pending
            pending.add_done_callback(lambda _: self._inflight.pop(slug, None))
        return await asyncio.shield(pending)

    async def _lookup(self, slug: bytes) -> Org | None:
        version = self.registry.version
        try:
            data = await self._fetch(slug.decode())
        except Exception as exc:  # auth away: the tenant is unknown for now, not an error
            log.warning("org lookup failed", extra={"slug": slug.decode(), "error": repr(exc)})
            return self.registry.get(slug)
        if self.registry.is_newer_than(slug, version):
            return self.registry.get(slug)
        if data is None:
            if len(self._negative) >= MAX_NEGATIVE:
                self._negative.clear()
            self._negative[slug] = self._clock() + NEGATIVE_TTL
            return None
        self.registry.upsert(data)
        return self.registry.get(slug)
