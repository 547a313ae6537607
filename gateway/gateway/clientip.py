"""Client address: the socket peer, or X-Forwarded-For's right-most untrusted hop behind a proxy."""

from __future__ import annotations

import ipaddress

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    def __init__(self, specs: list[str]) -> None:
        self.networks: list[Network] = [ipaddress.ip_network(s, strict=False) for s in specs]

    def trusts(self, ip: str) -> bool:
        if not self.networks or not ip:
            return False
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(addr in net for net in self.networks)

    def client_ip(self, peer: str, peer_trusted: bool, forwarded_for: bytes | None) -> str:
        if not peer_trusted or not forwarded_for:
            return peer
        hops = [h.strip() for h in forwarded_for.decode("latin-1").split(",")]
        for hop in reversed(hops):
            if hop and not self.trusts(hop):
                return hop
        return hops[0] or peer
