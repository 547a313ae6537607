"""One OpenAPI 3.1 document for the public API, merged from every service's own, cached."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp
import orjson

log = logging.getLogger("gateway.openapi")

CACHE_SECONDS = 60.0


def merge(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """Paths and components of each document, in order; a later service never overwrites."""
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Servelo API", "version": "1.0.0"},
        "paths": {},
        "components": {},
    }
    for doc in documents:
        for path, item in (doc.get("paths") or {}).items():
            merged["paths"].setdefault(path, {}).update(
                {k: v for k, v in item.items() if k not in merged["paths"].get(path, {})}
            )
        for kind, entries in (doc.get("components") or {}).items():
            if isinstance(entries, dict):
                target = merged["components"].setdefault(kind, {})
                for name, value in entries.items():
                    target.setdefault(name, value)
    return merged


class OpenApiAggregator:
    """The merged document as cached bytes. Requests are answered from the cache, also
    when it is stale (one background refresh then); only the very first waits."""

    def __init__(self, service_urls: list[str]) -> None:
        # Several route prefixes share a service: fetch each service once.
        self.urls = list(dict.fromkeys(u for u in service_urls if u))
        self._cached: bytes | None = None
        self._cached_at = 0.0
        self._lock = asyncio.Lock()
        self._refresh: asyncio.Task[None] | None = None

    def cached(self) -> bytes | None:
        stale = self._cached is not None and time.monotonic() - self._cached_at > CACHE_SECONDS
        if stale and (self._refresh is None or self._refresh.done()):
            self._refresh = asyncio.ensure_future(self._refresh_quietly())
        return self._cached

    async def _refresh_quietly(self) -> None:
        try:
            await self()
        except Exception:  # keep serving the stale document; the next request retries
            log.exception("openapi refresh failed")

    async def __call__(self) -> bytes:
        async with self._lock:
            if self._cached is None or time.monotonic() - self._cached_at > CACHE_SECONDS:
                documents = await self._fetch_all()
                self._cached = orjson.dumps(merge(documents))
                self._cached_at = time.monotonic()
            return self._cached

    async def _fetch_all(self) -> list[dict[str, Any]]:
        timeout = aiohttp.ClientTimeout(total=5)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            results = await asyncio.gather(*(self._fetch(session, u) for u in self.urls))
        return [doc for doc in results if doc is not None]

    async def _fetch(self, session: aiohttp.ClientSession, url: str) -> dict[str, Any] | None:
        try:
            async with session.get(f"{url}/openapi.json") as resp:
                if resp.status != 200:
                    return None
                doc = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("openapi fetch failed", extra={"url": url, "error": repr(exc)})
            return None
        return doc if isinstance(doc, dict) else None
