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
    # Encoded identity for public routes (org only), filled lazily by the auth layer.
    public_identity: bytes | None = field(default=None, compare=False)

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
    """Orgs by slug; replaced by a snapshot, then kept current by events (full objects)."""

    def __init__(self) -> None:
        self.by_slug: dict[bytes, Org] = {}
        self._by_id: dict[str, Org] = {}
        self.loaded = False

    def load(self, orgs: list[dict[str, Any]]) -> None:
        self.by_slug = {}
        self._by_id = {}
        for data in orgs:
            self.upsert(data)
        self.loaded = True

    def get(self, slug: bytes) -> Org | None:
        return self.by_slug.get(slug)

    def upsert(self, data: dict[str, Any]) -> None:
        org = Org.from_json(data)
        old = self._by_id.get(org.id)
        if old is not None:
            self.by_slug.pop(old.slug.encode(), None)
        self._by_id[org.id] = org
        self.by_slug[org.slug.encode()] = org

    def delete(self, data: dict[str, Any]) -> None:
        org = self._by_id.pop(str(data.get("id")), None)
        if org is not None:
            self.by_slug.pop(org.slug.encode(), None)
        slug = data.get("slug")
        if isinstance(slug, str):
            gone = self.by_slug.pop(slug.encode(), None)
            if gone is not None:
                self._by_id.pop(gone.id, None)
