"""The receivers of the webhooks benchmark, in a process of their own: one HTTP/1.1 server,
one path per endpoint (`/fast/<n>` answers 204 at once, `/slow` after 5 s). `GET /stats`
gives the count per path and the delivery latencies (event `time` to receipt) of the fast
ones. Run by bench/webhooks_bench.py: `python bench/webhook_receiver.py PORT`.

The receivers stand for integrators' servers, which in production run on other machines.
Here they share the bench's two cores with the webhooks service and Postgres, so they are
kept as cheap as a receiver can be: an asyncio protocol on uvloop parsing with httptools
(what uvicorn is built on), without a framework. With aiohttp's server they took 92 µs of
CPU per delivery, a third of the machine, which the service's figures then paid for.

Answers go out in the order the requests came on each connection (a 204 behind a slow
answer waits for it), so a client that pipelines is answered correctly too.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from datetime import datetime
from typing import cast

import httptools
import orjson
import uvloop

counts: Counter[str] = Counter()
latencies: list[float] = []
SLOW = 5.0
NO_CONTENT = b"HTTP/1.1 204 No Content\r\n\r\n"
NO_CONTENT_CLOSE = b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"


def _json(body: bytes, *, keep_alive: bool) -> bytes:
    connection = b"" if keep_alive else b"Connection: close\r\n"
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + connection
        + b"Content-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


class Receiver(asyncio.Protocol):
    def __init__(self) -> None:
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.url = b""
        self.body: list[bytes] = []
        # Answers not yet written, in request order: bytes, or a future of bytes (slow), and
        # whether the connection closes after it.
        self.queue: list[tuple[bytes | asyncio.Future[bytes], bool]] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            assert self.transport is not None
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    # httptools callbacks
    def on_message_begin(self) -> None:
        self.url, self.body = b"", []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        path = httptools.parse_url(self.url).path.decode()
        keep_alive = self.parser.should_keep_alive()
        if self.parser.get_method() == b"GET":
            stats = orjson.dumps({"counts": counts, "latencies": latencies})
            self._answer(_json(stats, keep_alive=keep_alive), keep_alive)
            return
        counts[path] += 1
        answer = NO_CONTENT if keep_alive else NO_CONTENT_CLOSE
        if path == "/slow":
            later: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
            asyncio.get_running_loop().call_later(SLOW, self._ready, later, answer)
            self._answer(later, keep_alive)
            return
        event = orjson.loads(b"".join(self.body))
        sent = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
        latencies.append(time.time() - sent.timestamp())
        self._answer(answer, keep_alive)

    def _answer(self, answer: bytes | asyncio.Future[bytes], keep_alive: bool) -> None:
        self.queue.append((answer, keep_alive))
        self._write_ready()

    def _ready(self, later: asyncio.Future[bytes], answer: bytes) -> None:
        later.set_result(answer)
        self._write_ready()

    def _write_ready(self) -> None:
        """Write the answers at the head of the queue that are ready, in order."""
        out, close = [], False
        while self.queue and not close:
            head, keep_alive = self.queue[0]
            if isinstance(head, asyncio.Future):
                if not head.done():
                    break
                head = head.result()
            out.append(head)
            close = not keep_alive
            self.queue.pop(0)
        if out and self.transport is not None:
            self.transport.write(b"".join(out))
            if close:
                self.transport.close()


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Receiver, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


def main() -> None:
    uvloop.run(serve(int(sys.argv[1])))


if __name__ == "__main__":
    main()
