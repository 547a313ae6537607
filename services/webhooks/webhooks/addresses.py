"""Which addresses a webhook may be delivered to: the rule, with no I/O.

In production only public (globally routable) unicast addresses: never loopback, private
(RFC 1918, unique local), link-local (cloud metadata at 169.254.169.254 included), carrier
NAT (100.64/10, Alibaba's metadata), multicast, reserved or documentation ranges. IPv6
forms that embed an IPv4 address (mapped, NAT64, 6to4) are judged by that address.
Development and test also allow loopback, so tests use a receiver on 127.0.0.1. An
operator may allow more networks explicitly (SERVELO_WEBHOOKS_ALLOW_NETWORKS).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
NOT_ALLOWED = "The address is not allowed (loopback, private, link-local or metadata)."


class AddressNotAllowed(OSError):
    """A name resolved to (or a URL named) an address deliveries may not go to. An OSError:
    to the attempt it is a connection that could not be made."""


def embedded_ipv4(ip: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address stands for, if it stands for one."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


@dataclass(frozen=True)
class AddressPolicy:
    allow_loopback: bool
    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def for_env(cls, env: str, networks: Iterable[str] = ()) -> AddressPolicy:
        return cls(
            allow_loopback=env != "production",
            allowed=tuple(ipaddress.ip_network(n, strict=False) for n in networks),
        )

    def permits(self, address: str | IPAddress) -> bool:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
        if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
            return False  # a zone names an interface of this host
        if any(ip in net for net in self.allowed if net.version == ip.version):
            return True
        ip = embedded_ipv4(ip)
        if ip.is_loopback:
            return self.allow_loopback
        return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)

    def check(self, addresses: Iterable[str | IPAddress]) -> None:
        """AddressNotAllowed unless every address is permitted (a name with one private
        address among public ones is refused: the connection could go to any of them)."""
        found = list(addresses)
        if not found or not all(self.permits(a) for a in found):
            raise AddressNotAllowed(NOT_ALLOWED)


def ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
