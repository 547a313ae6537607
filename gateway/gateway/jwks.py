"""JWKS from auth: loaded at start, refreshed periodically and on an unknown `kid`."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp

from gateway.tokens import Authenticator

log = logging.getLogger("gateway.jwks")
UNKNOWN_KID_INTERVAL = 10.0


class JwksSource:
    def __init__(self, *, url: str, authenticator: Authenticator) -> None:
        self.url = url
        self.authenticator = authenticator
        self.loaded = False
        self._last_attempt = 0.0
        self._inflight: asyncio.Future[bool] | None = None

    async def fetch(self, session: aiohttp.ClientSession) -> bool:
        self._last_attempt = time.monotonic()
        try:
            async with session.get(self.url, timeout=aiohttp.ClientTimeout(total=5)) as resp:
                resp.raise_for_status()
                jwks: dict[str, Any] = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("jwks fetch failed", extra={"url": self.url, "error": repr(exc)})
            return False
        self.authenticator.set_jwks(jwks)
        self.loaded = True
        return True

    async def refresh_for_unknown_kid(self) -> bool:
        """Refetch at most once per 10 s, sharing one fetch among concurrent callers."""
        if self._inflight is not None:
            return await asyncio.shield(self._inflight)
        if time.monotonic() - self._last_attempt < UNKNOWN_KID_INTERVAL:
            return False
        loop = asyncio.get_running_loop()
        self._inflight = loop.create_future()
        try:
            async with aiohttp.ClientSession() as session:
                ok = await self.fetch(session)
            self._inflight.set_result(ok)
            return ok
        finally:
            if not self._inflight.done():
                self._inflight.set_result(False)
            self._inflight = None

    async def run(self, interval: float) -> None:
        """Load until it works, then refresh every `interval` seconds (key rotation)."""
        async with aiohttp.ClientSession() as session:
            delay = 0.2
            while not await self.fetch(session):
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            while True:
                await asyncio.sleep(interval)
                await self.fetch(session)
