"""Counts round trips to Postgres: a TCP relay that passes every byte through and counts
the server's `ReadyForQuery` messages, one per round trip (Postgres sends one at the end of
each simple `Query` and each `Sync` of the extended protocol, and a client waits for it).

It reads the wire protocol, not a client's log of its calls, so a prepare, a reset or two
statements in one message count as what they cost. Clients must not ask for TLS
(`sslmode=disable`): the relay reads the server's messages in the clear.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit


class RoundTrips:
    """The relay's tally; `count` only grows."""

    def __init__(self) -> None:
        self.count = 0

    async def taken(self, work: Awaitable[object]) -> int:
        """The round trips `work` (an awaitable) took."""
        before = self.count
        await work
        return self.count - before


def _ready_for_query(buffer: bytearray) -> int:
    """Consume whole server messages from `buffer`; how many were `ReadyForQuery`."""
    found = 0
    while len(buffer) >= 5:
        size = int.from_bytes(buffer[1:5], "big")
        if len(buffer) < 1 + size:
            break
        found += buffer[0] == ord("Z")
        del buffer[: 1 + size]
    return found


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, tally: RoundTrips | None
) -> None:
    pending = bytearray()
    try:
        while chunk := await reader.read(65536):
            if tally is not None:
                pending += chunk
                # Counted before the client can read the message: once its await returns,
                # the count includes that round trip.
                tally.count += _ready_for_query(pending)
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


@asynccontextmanager
async def counting_dsn(dsn: str) -> AsyncIterator[tuple[str, RoundTrips]]:
    """(a DSN that reaches `dsn`'s server through the counting relay, its tally)."""
    parts = urlsplit(dsn)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    tally = RoundTrips()
    tasks: set[asyncio.Task[None]] = set()

    async def relay(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection(host, port)
        for task in (
            asyncio.create_task(_pipe(client_r, server_w, None)),
            asyncio.create_task(_pipe(server_r, client_w, tally)),
        ):
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    server = await asyncio.start_server(relay, "127.0.0.1", 0)
    relay_port = server.sockets[0].getsockname()[1]
    netloc = parts.netloc.rsplit("@", 1)
    auth = f"{netloc[0]}@" if len(netloc) == 2 else ""
    query = f"{parts.query}&sslmode=disable" if parts.query else "sslmode=disable"
    relayed = urlunsplit(
        (parts.scheme, f"{auth}127.0.0.1:{relay_port}", parts.path, query, parts.fragment)
    )
    try:
        yield relayed, tally
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()
