"""Tenant resolution from `Host` and the in-memory org registry (no database per request)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_SLUG = re.compile(rb"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def tenant_from_host(host: bytes, suffix: bytes) -> bytes | None:
    """The slug when `host` is `<slug>.<base domain>[:port]`; `suffix` is b"." + base domain.

    Exactly one label before the base domain; anything else is not a tenant host.
    """
    if host.endswith(b"]"):  # IPv6 literal: never a tenant
        return None
    colon = host.rfind(b":")
    if colon != -1:
        host = host[:colon]
    host = host.lower().rstrip(b".")
    if not host.endswith(suffix):
        return None
    slug = host[: -len(suffix)]
    if _SLUG.fullmatch(slug) is None:
        return None
    return slug


@dataclass(slots=True)
class Org:
    id: str
    slug: str
    name: str = ""
    plan: str = ""
    active: bool = True
    # Encoded identity for public routes (org only), filled lazily by the auth layer and
    # re-signed after `public_identity_until` (see gateway.tokens).
    public_identity: bytes | None = field(default=None, compare=False)
    public_identity_until: float = field(default=0.0, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Org:
        return cls(
            id=str(data["id"]),
            slug=str(data["slug"]),
            name=str(data.get("name") or ""),
            plan=str(data.get("plan") or ""),
            active=bool(data.get("active", True)),
        )


class OrgRegistry:
    """Orgs by slug; replaced by a snapshot, then kept current by events (full objects).

    Every change counts as a version, and the version that last touched each slug is kept,
    so an answer fetched from auth while events were arriving can tell whether it is stale
    (see `is_newer_than` and gateway.orglookup)."""

    def __init__(self) -> None:
        self.by_slug: dict[bytes, Org] = {}
        self._by_id: dict[str, Org] = {}
        self.loaded = False
        self.version = 0
        self._loaded_at = 0
        self._touched: dict[bytes, int] = {}

    def load(self, orgs: list[dict[str, Any]]) -> None:
        self.by_slug = {}
        self._by_id = {}
        self._touched = {}
        for data in orgs:
            self.upsert(data)
        self._loaded_at = self.version = self.version + 1
        self.loaded = True

    def get(self, slug: bytes) -> Org | None:
        return self.by_slug.get(slug)

    def upsert(self, data: dict[str, Any]) -> None:
        org = Org.from_json(data)
        old = self._by_id.get(org.id)
        if old is not None:
            self._drop_slug(old.slug.encode())
        self._by_id[org.id] = org
        slug = org.slug.encode()
        self.by_slug[slug] = org
        self._touch(slug)

    def delete(self, data: dict[str, Any]) -> None:
        org = self._by_id.pop(str(data.get("id")), None)
        if org is not None:
            self._drop_slug(org.slug.encode())
        slug = data.get("slug")
        if isinstance(slug, str):
            gone = self._drop_slug(slug.encode())
            if gone is not None:
                self._by_id.pop(gone.id, None)

    def is_newer_than(self, slug: bytes, version: int) -> bool:
        """Whether `slug` changed (or a snapshot was loaded) after `version`."""
        return self._loaded_at > version or self._touched.get(slug, 0) > version

    def _drop_slug(self, slug: bytes) -> Org | None:
        self._touch(slug)
        return self.by_slug.pop(slug, None)

    def _touch(self, slug: bytes) -> None:
        self.version += 1
        self._touched[slug] = self.version
