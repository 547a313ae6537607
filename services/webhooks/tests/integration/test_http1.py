"""The deliveries' HTTP client against raw servers on loopback that answer byte by byte as
a test tells them: kept-alive connections, answers past 4 KiB, a connection closed while
idle, a kept-alive connection never reused for an address the attempt did not allow, and
TLS checked against the URL's host name."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from webhooks.http1 import BadResponse, Http1Client, parse_target

OK = b"HTTP/1.1 204 No Content\r\n\r\n"
HEADERS = {"Content-Type": "application/json"}


@dataclass
class Raw:
    """Counts connections (by local address) and answers each request with `answer()`."""

    answer: Callable[[], bytes] = lambda: OK
    close_after: bool = False  # close the connection after each answer
    connections: list[str] = field(default_factory=list)
    requests: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections.append(writer.get_extra_info("sockname")[0])
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                await reader.readexactly(length)
                self.requests += 1
                writer.write(self.answer())
                await writer.drain()
                if self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def raw() -> AsyncIterator[tuple[Raw, int]]:
    server_state = Raw()
    first = await asyncio.start_server(server_state.handle, "127.0.0.1", 0)
    port = first.sockets[0].getsockname()[1]
    second = await asyncio.start_server(server_state.handle, "127.0.0.2", port)
    yield server_state, port
    for server in (first, second):
        server.close()


async def test_one_connection_serves_several_attempts(raw: tuple[Raw, int]) -> None:
    server, port = raw
    client = Http1Client(max_idle=8, max_body=4096)
    target = parse_target(f"http://127.0.0.1:{port}/hooks?x=1")
    for _ in range(3):
        assert await client.post(target, ["127.0.0.1"], HEADERS, b"{}") == 204
    assert server.requests == 3 and len(server.connections) == 1
    await client.close()


async def test_an_answer_past_the_cap_is_not_read_and_its_connection_goes(
    raw: tuple[Raw, int],
) -> None:
    server, port = raw
    # A length of 1 MB, of which only 8 KiB ever come: the client stops at 4 KiB.
    server.answer = lambda: b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 8192
    client = Http1Client(max_idle=8, max_body=4096)
    target = parse_target(f"http://127.0.0.1:{port}/")
    assert await asyncio.wait_for(client.post(target, ["127.0.0.1"], HEADERS, b"{}"), 5) == 200
    server.answer = lambda: OK
    assert await client.post(target, ["127.0.0.1"], HEADERS, b"{}") == 204
    assert len(server.connections) == 2
    await client.close()


async def test_a_head_past_its_cap_fails_the_attempt_at_once(raw: tuple[Raw, int]) -> None:
    server, port = raw
    # Header lines that never end (1 MiB of them here, with no blank line after).
    server.answer = lambda: b"HTTP/1.1 200 OK\r\n" + (b"X-Filler: " + b"y" * 100 + b"\r\n") * 9500
    client = Http1Client(max_idle=8, max_body=4096)
    target = parse_target(f"http://127.0.0.1:{port}/")
    with pytest.raises(BadResponse):
        await asyncio.wait_for(client.post(target, ["127.0.0.1"], HEADERS, b"{}"), 5)
    await client.close()


async def test_a_connection_the_server_closed_while_idle_is_replaced(
    raw: tuple[Raw, int],
) -> None:
    server, port = raw
    server.close_after = True  # keep-alive announced, then closed by the server anyway
    client = Http1Client(max_idle=8, max_body=4096)
    target = parse_target(f"http://127.0.0.1:{port}/")
    assert await client.post(target, ["127.0.0.1"], HEADERS, b"{}") == 204
    await asyncio.sleep(0.1)
    assert await client.post(target, ["127.0.0.1"], HEADERS, b"{}") == 204
    assert server.requests == 2 and len(server.connections) == 2
    await client.close()


async def test_a_kept_alive_connection_is_only_reused_for_its_own_address(
    raw: tuple[Raw, int],
) -> None:
    server, port = raw
    client = Http1Client(max_idle=8, max_body=4096)
    target = parse_target(f"http://hooks.test:{port}/")  # a name, as the resolver saw it
    assert await client.post(target, ["127.0.0.1"], HEADERS, b"{}") == 204
    # The name now resolves elsewhere: the connection to where it pointed is not used.
    assert await client.post(target, ["127.0.0.2"], HEADERS, b"{}") == 204
    assert server.connections == ["127.0.0.1", "127.0.0.2"]
    await client.close()


def test_the_request_names_the_host_and_port_it_was_given() -> None:
    target = parse_target("https://[2001:db8::1]:8443/a b?q=é")
    assert (target.tls, target.host, target.port) == (True, "2001:db8::1", 8443)
    assert target.authority == "[2001:db8::1]:8443"
    assert target.path == "/a%20b?q=%C3%A9"
    assert parse_target("http://hooks.test/").authority == "hooks.test"


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    """A certificate for hooks.test (and its key), as files ssl can load."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hooks.test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("hooks.test")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp / "cert.pem", tmp / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


async def test_https_verifies_the_certificate_for_the_urls_host(tmp_path: Path) -> None:
    cert_file, key_file = _self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert_file, key_file)
    state = Raw()
    server = await asyncio.start_server(state.handle, "127.0.0.1", 0, ssl=server_tls)
    port = server.sockets[0].getsockname()[1]
    try:
        target = parse_target(f"https://hooks.test:{port}/")
        # Not signed by a CA the system trusts: refused before anything is sent.
        with pytest.raises(ssl.SSLCertVerificationError):
            await Http1Client(max_idle=8, max_body=4096).post(target, ["127.0.0.1"], HEADERS, b"{}")
        assert state.requests == 0
        # Trusted (as a public CA's would be), for the name in the URL: delivered.
        client = Http1Client(max_idle=8, max_body=4096)
        client._tls = ssl.create_default_context(cafile=str(cert_file))
        assert await client.post(target, ["127.0.0.1"], HEADERS, b"{}") == 204
        assert await client.post(target, ["127.0.0.1"], HEADERS, b"{}") == 204
        assert state.requests == 2 and len(state.connections) == 1
        # The same address under another name: the certificate does not match it.
        other = parse_target(f"https://other.test:{port}/")
        with pytest.raises(ssl.SSLCertVerificationError):
            await client.post(other, ["127.0.0.1"], HEADERS, b"{}")
        await client.close()
    finally:
        server.close()
