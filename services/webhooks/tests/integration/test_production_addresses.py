"""In production no delivery goes to loopback, private, link-local or metadata addresses:
refused when the webhook is created, and at the attempt when its name has been changed to
point at one (DNS rebinding). A webhooks service in production mode of its own (its own
database and NATS, no gateway: the test signs the identity itself), names resolved by a
tiny DNS server on 127.0.0.1 that the test controls.

No connection ever leaves this machine: the one public address a name points at is only
resolved at create (no attempt is made while it does), then the name moves to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
from servelo_common.identity import IDENTITY_HEADER, Identity, encode_identity
from servelo_common.provision import drop_database
from servelo_dev.devstack.stack import Stack, StackConfig
from servelo_dev.testing import eventually
from servelo_dev.testing.plugin import TestStack

from .conftest import Receivers

PUBLIC = "93.184.215.14"  # resolved only, never connected to
INTERNAL_SECRET = "prod-" + "x" * 40


@dataclass
class TinyDns(asyncio.DatagramProtocol):
    """Answers A queries from `records`; NXDOMAIN for names it does not know."""

    records: dict[str, str] = field(default_factory=dict)
    queries: list[str] = field(default_factory=list)
    transport: Any = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        query = dns.message.from_wire(data)
        reply = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text().rstrip(".")
        self.queries.append(name)
        address = self.records.get(name)
        if address is None:
            reply.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.A:
            reply.answer.append(dns.rrset.from_text(question.name, 0, "IN", "A", address))
        self.transport.sendto(reply.to_wire(), addr)


@pytest.fixture
async def tiny_dns() -> AsyncIterator[tuple[TinyDns, int]]:
    loop = asyncio.get_running_loop()
    transport, server = await loop.create_datagram_endpoint(
        TinyDns, local_addr=("127.0.0.1", 0), family=socket.AF_INET
    )
    port = transport.get_extra_info("sockname")[1]
    yield server, port
    transport.close()


@pytest.fixture
def production_webhooks(
    stack: TestStack, tiny_dns: tuple[TinyDns, int], tmp_path: Path
) -> Iterator[str]:
    """A webhooks service with SERVELO_ENV=production: its own database on the session's
    Postgres, its own embedded NATS. Yields its base URL."""
    _, dns_port = tiny_dns
    suffix = secrets.token_hex(4)
    platform = Stack(
        StackConfig(
            data_dir=tmp_path / "prod",
            env="production",
            services=["webhooks"],
            database_url=stack.stack.admin_dsn,
            database=f"servelo_prod_{suffix}",
            role_prefix=f"servelo_prod_{suffix}",
            environ={"SERVELO_INTERNAL_SECRET": INTERNAL_SECRET},
            extra_env={
                "SERVELO_WEBHOOKS_SECRET_KEYS": "cHJvZHVjdGlvbi1rZXktb2YtMzItYnl0ZXMtLS0tLS0=",
                "SERVELO_WEBHOOKS_DNS_SERVER": f"127.0.0.1:{dns_port}",
                "SERVELO_WEBHOOKS_RETRY_BASE": "0.2",
                "SERVELO_WEBHOOKS_RETRY_MAX": "1",
                "SERVELO_WEBHOOKS_POLL_INTERVAL": "0.2",
            },
        )
    )
    try:
        platform.start_infrastructure()
        platform.start_services()
        yield f"http://127.0.0.1:{platform.processes['webhooks'].port}"
    finally:
        platform.stop()
        asyncio.run(drop_database(stack.stack.admin_dsn, platform.config.database))


class Direct:
    """Calls to the service itself, as the gateway would make them for an org's admin."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http, self.base = http, base
        self.ident = Identity(
            org_id=str(uuid.uuid4()), org_slug="acme", user_id=str(uuid.uuid4()), role="admin"
        )

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {IDENTITY_HEADER: encode_identity(self.ident, INTERNAL_SECRET.encode())}
        async with self.http.request(method, self.base + path, json=body, headers=headers) as r:
            return r.status, await r.json()


async def test_private_destinations_are_refused_at_create_and_after_a_dns_change(
    http: aiohttp.ClientSession,
    production_webhooks: str,
    tiny_dns: tuple[TinyDns, int],
    receivers: Receivers,
) -> None:
    server, _ = tiny_dns
    api = Direct(http, production_webhooks)
    receiver = await receivers()
    port = receiver.url.rsplit(":", 1)[1].split("/", 1)[0]
    server.records.update(
        {"internal.hooks.test": "10.1.2.3", "metadata.hooks.test": "169.254.169.254"}
    )
    for url in (
        receiver.url,  # 127.0.0.1: loopback is refused in production
        f"http://[::1]:{port}/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://internal.hooks.test/x",
        "https://metadata.hooks.test/x",
        "http://nowhere.hooks.test/x",
    ):
        status, body = await api.call("POST", "/api/webhooks", {"url": url, "events": ["*"]})
        assert status == 400, (url, body)
        assert "url" in body["errors"], body

    # A name that points at a public address is accepted (only resolved: nothing is sent)...
    server.records["rebind.hooks.test"] = PUBLIC
    status, hook = await api.call(
        "POST",
        "/api/webhooks",
        {"url": f"http://rebind.hooks.test:{port}/hooks", "events": ["ticket-created"]},
    )
    assert status == 201, hook
    # ...then moves to this machine's loopback, where a receiver listens.
    server.records["rebind.hooks.test"] = "127.0.0.1"
    asked = len(server.queries)
    status, test = await api.call("POST", f"/api/webhooks/{hook['id']}/test")
    assert status == 202, test

    async def refused() -> None:
        status, delivery = await api.call(
            "GET", f"/api/webhooks/{hook['id']}/deliveries/{test['id']}"
        )
        assert status == 200 and delivery["attempts"] >= 2, delivery
        assert delivery["status"] == "pending" and delivery["response_status"] is None
        assert "not allowed" in delivery["error"], delivery

    await eventually(refused, timeout=20)
    assert receiver.received == []
    assert server.queries[asked:].count("rebind.hooks.test") >= 2  # resolved at each attempt
