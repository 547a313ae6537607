"""Resolving endpoint host names and refusing what the address policy forbids.

Names are resolved with the system resolver, or with the DNS server of
SERVELO_WEBHOOKS_DNS_SERVER (dnspython, no cache). Deliveries resolve and check a name at
every attempt (webhooks.sender) and connect only to the addresses just allowed, so a name
that changes to a private address (DNS rebinding) is refused at the attempt that would use
it.
"""

from __future__ import annotations

import asyncio
import functools
import socket
from urllib.parse import urlsplit

import dns.asyncresolver
import dns.exception
import dns.resolver

from webhooks.addresses import NOT_ALLOWED, AddressNotAllowed, AddressPolicy, ip_literal

DNS_TIMEOUT = 3.0


class HostUnresolved(OSError):
    """The name has no address."""


class Resolver:
    def __init__(self, dns_server: str | None = None) -> None:
        self._dns: dns.asyncresolver.Resolver | None = None
        if dns_server:
            host, _, port = dns_server.rpartition(":")
            self._dns = dns.asyncresolver.Resolver(configure=False)
            self._dns.nameservers = [host.strip("[]")]
            self._dns.port = int(port)
            self._dns.lifetime = DNS_TIMEOUT

    async def addresses(self, host: str) -> list[str]:
        if self._dns is None:
            return await _system_addresses(host)
        found: list[str] = []
        for rdtype in ("A", "AAAA"):
            try:
                answer = await self._dns.resolve(host, rdtype, search=False)
            except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
                continue
            except dns.exception.DNSException as exc:
                raise HostUnresolved(f"{host}: {exc}") from exc
            found.extend(r.to_text() for r in answer)
        if not found:
            raise HostUnresolved(f"{host} does not resolve")
        return found


async def _system_addresses(host: str) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), DNS_TIMEOUT
        )
    except (OSError, TimeoutError, UnicodeError) as exc:
        # UnicodeError: a name the IDNA codec cannot encode (a label past 63 characters).
        raise HostUnresolved(f"{host} does not resolve") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class AddressGuard:
    """The policy applied to a URL (at create and update) or to a name (per connection)."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver) -> None:
        self.policy, self.resolver = policy, resolver

    async def allowed_addresses(self, host: str) -> list[str]:
        literal = ip_literal(host)
        found = [str(literal)] if literal is not None else await self.resolver.addresses(host)
        self.policy.check(found)
        return found

    async def check_url(self, url: str) -> None:
        """AddressNotAllowed or HostUnresolved for a URL deliveries could not go to."""
        host = urlsplit(url).hostname or ""
        await self.allowed_addresses(host)

    def check_literal(self, url: str) -> None:
        """An IP literal is not resolved: the URL's own address is checked at each attempt."""
        if not self._literal_allowed(url):
            raise AddressNotAllowed(NOT_ALLOWED)

    @functools.lru_cache(maxsize=4096)  # noqa: B019  # one guard per process, fixed policy
    def _literal_allowed(self, url: str) -> bool:
        literal = ip_literal(urlsplit(url).hostname or "")
        return literal is None or self.policy.permits(literal)
