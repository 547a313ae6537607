"""A registry miss asks auth once per slug, remembers "unknown" briefly, and stays bounded."""

from __future__ import annotations

import asyncio
from typing import Any

from gateway.orglookup import NEGATIVE_TTL, OrgLookup
from gateway.tenants import OrgRegistry

ORG = {"id": "55555555-5555-5555-5555-555555555555", "slug": "newco", "name": "New"}


class Auth:
    """Stands in for auth's `/internal/orgs/{slug}` answer (the integration tests use the
    real one); counts the questions."""

    def __init__(self, orgs: list[dict[str, Any]], delay: float = 0.01) -> None:
        self.orgs = {o["slug"]: o for o in orgs}
        self.calls: list[str] = []
        self.delay = delay

    async def fetch(self, slug: str) -> dict[str, Any] | None:
        self.calls.append(slug)
        await asyncio.sleep(self.delay)
        return self.orgs.get(slug)


async def test_concurrent_misses_ask_once() -> None:
    auth = Auth([ORG])
    lookup = OrgLookup(OrgRegistry(), auth.fetch)
    found = await asyncio.gather(*(lookup.find(b"newco") for _ in range(50)))
    assert {o.id if o else None for o in found} == {ORG["id"]}
    assert auth.calls == ["newco"]
    assert lookup.registry.get(b"newco") is not None  # kept: the next request is a hit


async def test_unknown_slug_is_remembered_briefly() -> None:
    clock = [100.0]
    auth = Auth([])
    lookup = OrgLookup(OrgRegistry(), auth.fetch, clock=lambda: clock[0])
    assert await lookup.find(b"nobody") is None
    assert lookup.known_unknown(b"nobody")
    assert await lookup.find(b"nobody") is None
    assert auth.calls == ["nobody"]
    clock[0] += NEGATIVE_TTL + 0.1
    assert not lookup.known_unknown(b"nobody")
    assert await lookup.find(b"nobody") is None
    assert auth.calls == ["nobody", "nobody"]


async def test_random_hosts_cannot_flood_auth() -> None:
    auth = Auth([])
    lookup = OrgLookup(OrgRegistry(), auth.fetch, max_per_second=5, clock=lambda: 100.0)
    await asyncio.gather(*(lookup.find(f"r{i}".encode()) for i in range(200)))
    assert len(auth.calls) <= 5


async def test_an_answer_older_than_an_event_is_dropped() -> None:
    """Lookup starts, then `org-deleted` arrives, then auth's (stale) answer: still gone."""
    registry = OrgRegistry()
    registry.load([])
    auth = Auth([ORG], delay=0.05)
    lookup = OrgLookup(registry, auth.fetch)
    pending = asyncio.ensure_future(lookup.find(b"newco"))
    await asyncio.sleep(0.01)
    registry.delete({"id": ORG["id"], "slug": "newco"})
    assert await pending is None
    assert registry.get(b"newco") is None


async def test_auth_away_is_an_unknown_tenant_not_an_error() -> None:
    async def broken(slug: str) -> dict[str, Any] | None:
        raise OSError("connection refused")

    lookup = OrgLookup(OrgRegistry(), broken)
    assert await lookup.find(b"newco") is None
