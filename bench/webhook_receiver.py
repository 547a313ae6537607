"""The receivers of the webhooks benchmark, in a process of their own: one aiohttp server,
one path per endpoint (`/fast/<n>` answers 204 at once, `/slow` after 5 s). `GET /stats`
gives the count per path and the delivery latencies (event `time` to receipt) of the fast
ones. Run by bench/webhooks_bench.py: `python bench/webhook_receiver.py PORT`."""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from datetime import datetime

import orjson
from aiohttp import web

counts: Counter[str] = Counter()
latencies: list[float] = []
SLOW = 5.0


async def hook(request: web.Request) -> web.Response:
    body = await request.read()
    path = request.path
    counts[path] += 1
    if path == "/slow":
        await asyncio.sleep(SLOW)
        return web.Response(status=204)
    sent = datetime.fromisoformat(orjson.loads(body)["time"].replace("Z", "+00:00"))
    latencies.append(time.time() - sent.timestamp())
    return web.Response(status=204)


async def stats(request: web.Request) -> web.Response:
    return web.Response(
        body=orjson.dumps({"counts": counts, "latencies": latencies}),
        content_type="application/json",
    )


def main() -> None:
    app = web.Application()
    app.router.add_get("/stats", stats)
    app.router.add_post("/{tail:.*}", hook)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)


if __name__ == "__main__":
    main()
