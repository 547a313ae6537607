"""One delivery attempt over HTTP, with the safety rules of every attempt.

A POST with a total timeout (connection included), no redirects followed (a 3xx is a
failure), at most 4 KiB of the answer read, no proxy from the environment, no cookies,
and only to addresses the guard allowed (`GuardedResolver` at each new connection, IP
literals before each attempt). Kept-alive connections go only to addresses that were
checked when they were opened.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import aiohttp

from webhooks.addresses import AddressNotAllowed
from webhooks.domain.deliveries import Outcome
from webhooks.resolver import AddressGuard, GuardedResolver, HostUnresolved

MAX_RESPONSE_BYTES = 4096


@dataclass
class Sender:
    guard: AddressGuard
    timeout: float
    connections: int
    _session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                resolver=GuardedResolver(self.guard),
                use_dns_cache=False,
                limit=self.connections,
                keepalive_timeout=15,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                trust_env=False,
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        started = time.perf_counter()

        def done(status: int | None = None, error: str | None = None) -> Outcome:
            ms = int((time.perf_counter() - started) * 1000)
            return Outcome(status=status, duration_ms=ms, error=error)

        try:
            self.guard.check_literal(url)
            async with self._http().post(
                url, data=body, headers=headers, allow_redirects=False
            ) as resp:
                await resp.content.read(MAX_RESPONSE_BYTES)
                if not resp.content.at_eof():
                    resp.close()  # a longer answer is not read: drop the connection
                return done(
                    resp.status, None if 200 <= resp.status < 300 else f"HTTP {resp.status}"
                )
        except TimeoutError:
            return done(error=f"timeout after {self.timeout:g} s")
        except AddressNotAllowed as exc:
            return done(error=str(exc))
        except aiohttp.ClientConnectorError as exc:
            return done(error=_connect_error(exc))
        except (aiohttp.ClientError, OSError, asyncio.IncompleteReadError) as exc:
            return done(error=f"connection error: {type(exc).__name__}")


def _connect_error(exc: aiohttp.ClientConnectorError) -> str:
    cause: BaseException | None = exc.os_error
    while cause is not None:
        if isinstance(cause, AddressNotAllowed):
            return str(cause)
        if isinstance(cause, HostUnresolved):
            return "host does not resolve"
        cause = cause.__cause__ or cause.__context__
    return f"connection error: {exc.os_error.strerror or type(exc.os_error).__name__}"
