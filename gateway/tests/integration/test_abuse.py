"""A greedy or slow client against a real gateway process: memory, connections and time
stay bounded (issue 10). Each test starts its own gateway in front of the session's
services, with 127.0.0.1 *not* trusted as a proxy (so per-address limits apply), attacks
it over loopback with a bounded number of requests and seconds, and reads the gateway's
memory from /proc/<pid>/status: VmHWM (peak resident set) against VmRSS before the attack.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from servelo_dev.devstack.embedded import free_port
from servelo_dev.devstack.stack import ALL_SERVICES

pytestmark = pytest.mark.slow

MIB = 1024 * 1024
MEMORY_BOUND = 64 * MIB


class GatewayProcess:
    def __init__(self, proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.proc, self.port, self.log = proc, port, log

    def _status(self, field: str) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        raise AssertionError(f"no {field} for the gateway")

    def rss(self) -> int:
        return self._status("VmRSS")

    def peak_growth(self, rss_before: int) -> int:
        """How far above `rss_before` the resident set went at its highest."""
        return self._status("VmHWM") - rss_before

    def log_tail(self) -> str:
        return self.log.read_bytes()[-3000:].decode(errors="replace")


def _wait_ready(gw: GatewayProcess, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if gw.proc.poll() is not None:
            raise RuntimeError(f"gateway exited:\n{gw.log_tail()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{gw.port}/readyz", timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"gateway not ready:\n{gw.log_tail()}")


@pytest.fixture
async def start_gateway(
    stack: Any, tmp_path: Path
) -> AsyncIterator[Callable[..., Awaitable[GatewayProcess]]]:
    started: list[GatewayProcess] = []

    async def start(**settings: str) -> GatewayProcess:
        port = free_port()
        env = stack.stack.common_env()
        env.pop("SERVELO_TRUSTED_PROXIES", None)  # each socket is its own client here
        env.update(
            {
                "SERVELO_GATEWAY_PORT": str(port),
                "SERVELO_GATEWAY_HOST": "127.0.0.1",
                "SERVELO_GATEWAY_ADMIN_PORT": str(free_port()),
            }
        )
        for service in ALL_SERVICES:
            proc = stack.stack.processes.get(service)
            env[f"SERVELO_{service.upper()}_URL"] = f"http://127.0.0.1:{proc.port}" if proc else ""
        env.update({f"SERVELO_{name.upper()}": value for name, value in settings.items()})
        log = tmp_path / f"gateway-{port}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "gateway"], env=env, stdout=out, stderr=subprocess.STDOUT
            )
        gw = GatewayProcess(proc, port, log)
        started.append(gw)
        await asyncio.to_thread(_wait_ready, gw)
        return gw

    yield start
    for gw in started:
        gw.proc.terminate()
    for gw in started:
        try:
            gw.proc.wait(10)
        except subprocess.TimeoutExpired:
            gw.proc.kill()
            gw.proc.wait(5)


@pytest.fixture
async def closers() -> AsyncIterator[list[Any]]:
    """Client connections a test opened: closed however the test ends."""
    writers: list[Any] = []
    yield writers
    for writer in writers:
        writer.close()
    await asyncio.sleep(0)


async def connect(port: int, source: str = "127.0.0.1") -> tuple[Any, Any]:
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))


async def get(port: int, host: str, path: str, source: str = "127.0.0.1") -> bytes:
    """One request on its own connection; the whole answer (the gateway closes it)."""
    reader, writer = await connect(port, source)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        return await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()


async def read_until_closed(reader: Any, budget: float, limit: int) -> tuple[bytes, bool]:
    """What the peer sends until it closes (True), the budget runs out or `limit` bytes."""
    data = b""
    deadline = time.monotonic() + budget
    while len(data) < limit:
        left = deadline - time.monotonic()
        if left <= 0:
            return data, False
        try:
            chunk = await asyncio.wait_for(reader.read(256 * 1024), left)
        except TimeoutError:
            return data, False
        except ConnectionError:
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


async def test_slowloris_heads_are_cut_at_the_header_timeout(
    tenant: Any, start_gateway: Any, closers: list[Any]
) -> None:
    """100 connections each dribbling one header byte every 0.4 s: each is answered 408
    and closed at the header timeout, counted from its accept."""
    timeout = 1.5
    gw = await start_gateway(gateway_header_timeout=str(timeout))
    before = gw.rss()
    n, budget = 100, 8.0
    conns = [await connect(gw.port) for _ in range(n)]
    closers.extend(w for _, w in conns)
    started = time.monotonic()
    for _, writer in conns:
        writer.write(f"GET /api/auth/me HTTP/1.1\r\nHost: {tenant.anon.host}\r\nX-Slow: ".encode())
    closed_after: list[float | None] = [None] * n
    answers = [b""] * n

    async def dribble(i: int, reader: Any, writer: Any) -> None:
        while time.monotonic() - started < budget:
            try:
                data = await asyncio.wait_for(reader.read(4096), 0.4)
            except TimeoutError:
                with contextlib.suppress(OSError):
                    writer.write(b"x")  # one more byte of the same header, never its end
                continue
            except ConnectionError:
                data = b""
            answers[i] += data
            if not data:
                closed_after[i] = time.monotonic() - started
                return

    await asyncio.gather(*(dribble(i, r, w) for i, (r, w) in enumerate(conns)))
    still_open = sum(1 for t in closed_after if t is None)
    assert still_open == 0, f"{still_open} of {n} slow connections still open after {budget} s"
    slowest = max(t for t in closed_after if t is not None)
    assert slowest < timeout + 2.5, slowest
    assert all(a.startswith(b"HTTP/1.1 408 ") for a in answers), answers[0][:200]
    assert gw.peak_growth(before) < MEMORY_BOUND
    assert (await get(gw.port, tenant.anon.host, "/healthz")).startswith(b"HTTP/1.1 200")


async def test_a_huge_header_is_431_without_reading_it_all(tenant: Any, start_gateway: Any) -> None:
    """A header value of up to 128 MiB: refused once past 16 KiB, memory stays flat."""
    gw = await start_gateway()
    before = gw.rss()
    reader, writer = await connect(gw.port)
    writer.write(f"GET /api/auth/me HTTP/1.1\r\nHost: {tenant.anon.host}\r\nX-Big: ".encode())
    answer = asyncio.ensure_future(reader.read(64 * 1024))
    chunk, sent, deadline = b"a" * MIB, 0, time.monotonic() + 30
    started = time.monotonic()
    try:
        while sent < 128 * MIB and not answer.done() and time.monotonic() < deadline:
            writer.write(chunk)
            sent += len(chunk)
            # The old gateway read (and kept) it all, ever more slowly: bounded wait.
            await asyncio.wait_for(writer.drain(), max(0.1, deadline - time.monotonic()))
    except (ConnectionError, TimeoutError):
        pass
    try:
        reply = await asyncio.wait_for(answer, 10)
    except (TimeoutError, ConnectionError):
        reply = b""
    finally:
        writer.close()
    elapsed = time.monotonic() - started
    growth = gw.peak_growth(before)
    assert reply.startswith(b"HTTP/1.1 431 "), (reply[:200], f"{sent=} {growth=}")
    assert b"Connection: close" in reply
    assert elapsed < 10, elapsed
    assert sent <= 32 * MIB, sent  # refused early, not after reading everything
    assert growth < MEMORY_BOUND, growth
    assert (await get(gw.port, tenant.anon.host, "/healthz")).startswith(b"HTTP/1.1 200")


async def test_a_pipelining_flood_is_answered_only_as_fast_as_it_is_read(
    tenant: Any, start_gateway: Any
) -> None:
    """2,000 pipelined GET /api/openapi.json (~80 KiB each) on one socket that
    reads nothing: answers wait for the client (write back-pressure) instead of piling
    up in memory, and the connection is dropped at the send timeout."""
    send_timeout = 2.0
    # A high pipelining cap, so what bounds memory here is the back-pressure alone.
    gw = await start_gateway(gateway_send_timeout=str(send_timeout), gateway_max_pipelined="1024")
    document = await get(gw.port, tenant.anon.host, "/api/openapi.json")
    assert document.startswith(b"HTTP/1.1 200"), document[:300]
    assert len(document) > 50 * 1024  # 2,000 of them: over 100 MiB
    before = gw.rss()
    request = f"GET /api/openapi.json HTTP/1.1\r\nHost: {tenant.anon.host}\r\n\r\n".encode()
    reader, writer = await connect(gw.port)
    try:
        writer.write(request * 2000)
        with contextlib.suppress(TimeoutError, ConnectionError):
            await asyncio.wait_for(writer.drain(), 5)
        await asyncio.sleep(send_timeout + 2.0)
        growth = gw.peak_growth(before)
        # Now read: the gateway dropped the connection, so what arrives is what was already
        # in the sockets' buffers, then the end. The old gateway kept sending ~2,000 answers.
        data, closed = await read_until_closed(reader, budget=10, limit=256 * MIB)
    finally:
        writer.close()
    answered = data.count(b"HTTP/1.1 200 ")
    assert closed, f"still open after {len(data)} bytes ({answered} answers), {growth=}"
    assert answered < 200, answered
    assert growth < MEMORY_BOUND, growth
    assert (await get(gw.port, tenant.anon.host, "/healthz")).startswith(b"HTTP/1.1 200")


async def test_a_connection_flood_from_one_address_is_capped(
    tenant: Any, start_gateway: Any, closers: list[Any]
) -> None:
    """300 connections from one address, each holding a half-sent head: past the
    per-address cap each is answered 429 and closed at once; other addresses are served."""
    cap, n = 50, 300
    gw = await start_gateway(gateway_max_connections_per_ip=str(cap))
    before = gw.rss()
    partial = (
        f"GET /api/auth/me HTTP/1.1\r\nHost: {tenant.anon.host}\r\nX-Pad: {'p' * 8000}"
    ).encode()
    conns = []
    started = time.monotonic()
    for _ in range(n):
        reader, writer = await connect(gw.port)
        closers.append(writer)
        with contextlib.suppress(ConnectionError):
            writer.write(partial)
        conns.append((reader, writer))

    async def outcome(reader: Any) -> bytes | None:
        """The refusal (or b"" for a bare close); None while the connection is held."""
        data, closed = await read_until_closed(reader, budget=1.5, limit=4096)
        return data if closed else None

    outcomes = await asyncio.gather(*(outcome(r) for r, _ in conns))
    elapsed = time.monotonic() - started
    refused = [o for o in outcomes if o is not None]
    assert len(refused) == n - cap, (len(refused), elapsed)
    assert all(o.startswith(b"HTTP/1.1 429 ") or o == b"" for o in refused)
    assert any(o.startswith(b"HTTP/1.1 429 ") for o in refused)
    assert elapsed < 10, elapsed
    # Another address is not affected by this one's flood.
    other = await get(gw.port, tenant.anon.host, "/healthz", source="127.0.0.2")
    assert other.startswith(b"HTTP/1.1 200"), other[:200]
    for _, writer in conns:
        writer.close()
    await asyncio.sleep(0.5)
    # Closed connections are no longer counted against the address.
    assert (await get(gw.port, tenant.anon.host, "/healthz")).startswith(b"HTTP/1.1 200")
    assert gw.peak_growth(before) < MEMORY_BOUND
