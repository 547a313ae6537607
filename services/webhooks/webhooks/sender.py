"""One delivery attempt over HTTP, with the safety rules of every attempt.

A POST with a total timeout (name resolution and connection included), no redirects
followed (a 3xx is a failure), at most 4 KiB of the answer read, no proxy, no cookies, and
only to addresses the guard allowed for this very attempt: a name is resolved and checked
at every attempt, an IP literal checked, and a kept-alive connection is used only when it
goes to one of the addresses just allowed (webhooks.http1).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field

from servelo_common.deadlines import Deadlines

from webhooks.addresses import AddressNotAllowed, ip_literal
from webhooks.domain.deliveries import Outcome
from webhooks.http1 import BadResponse, ConnectionClosed, Http1Client, Target, parse_target
from webhooks.resolver import AddressGuard, HostUnresolved

MAX_RESPONSE_BYTES = 4096


@functools.lru_cache(maxsize=4096)
def _is_literal(host: str) -> bool:
    return ip_literal(host) is not None


@dataclass
class Sender:
    guard: AddressGuard
    timeout: float
    connections: int
    _client: Http1Client | None = field(default=None, init=False)
    # One timer for every attempt's timeout, not one each (servelo_common.deadlines).
    _deadlines: Deadlines = field(init=False)

    def __post_init__(self) -> None:
        self._deadlines = Deadlines(self.timeout)

    def _http(self) -> Http1Client:
        if self._client is None:
            self._client = Http1Client(max_idle=self.connections, max_body=MAX_RESPONSE_BYTES)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def _addresses(self, url: str, target: Target) -> list[str]:
        if _is_literal(target.host):
            self.guard.check_literal(url)
            return [target.host]
        return await self.guard.allowed_addresses(target.host)

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        started = time.perf_counter()

        def done(status: int | None = None, error: str | None = None) -> Outcome:
            ms = int((time.perf_counter() - started) * 1000)
            return Outcome(status=status, duration_ms=ms, error=error)

        try:
            target = parse_target(url)
        except ValueError:
            return done(error="not an http(s) URL")
        try:
            async with self._deadlines.scope():
                addresses = await self._addresses(url, target)
                status = await self._http().post(target, addresses, headers, body)
        except TimeoutError:
            return done(error=f"timeout after {self.timeout:g} s")
        except AddressNotAllowed as exc:
            return done(error=str(exc))
        except HostUnresolved:
            return done(error="host does not resolve")
        except (ConnectionClosed, BadResponse) as exc:
            return done(error=f"connection error: {exc}")
        except OSError as exc:
            return done(error=f"connection error: {exc.strerror or type(exc).__name__}")
        return done(status, None if 200 <= status < 300 else f"HTTP {status}")
