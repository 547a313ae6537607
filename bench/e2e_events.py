"""The event path of bench/e2e_bench.py: commit -> outbox relay -> JetStream -> a subscriber.

Two figures, each on the running stack:

- latency at 500 events/s: `POST /api/tickets` paced at 500 a second over the bench
  tenants; a NATS subscriber on `servelo.events.tickets.ticket-created` takes each event's
  `time` (set by the service just before its INSERT, so before the commit: the figure is
  an upper bound of commit -> subscriber) from the moment it arrives;
- the relay at 500 and 2,000 events/s: outbox rows written straight into the tickets
  schema (no HTTP: this is what the relay alone must keep up with), latency from each
  INSERT's commit to the arrival, the backlog (`published_at IS NULL`) sampled each second
  and the delivered rate counted.

Each run starts once the outbox is empty and every service's consumers have handled what
the runs before published (a POST run leaves thousands of events for five services).
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import asyncpg
import nats
import orjson
from servelo_dev.testing import eventually
from servelo_dev.testing.events import assert_consumers_idle

SUBJECT = "servelo.events.tickets.ticket-created"
PING_SUBJECT = "servelo.events.tickets.bench-pinged"


@dataclass
class EventFigures:
    name: str
    rate: float  # offered events per second
    sent: int = 0
    failed: dict[int, int] = field(default_factory=dict)  # status -> count (refused POSTs)
    received: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    backlog: list[int] = field(default_factory=list)  # unpublished rows, once a second

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    @property
    def delivered_rate(self) -> float:
        return self.received / self.seconds if self.seconds else 0.0

    def row(self) -> str:
        backlog = f"{max(self.backlog):,} / {self.backlog[-1]:,}" if self.backlog else "-"
        failed = ", ".join(f"{n} x {status}" for status, n in sorted(self.failed.items()))
        return (
            f"| {self.name} | {self.rate:,.0f} | {self.sent:,} | {failed or 0} |"
            f" {self.received:,} |"
            f" {self.delivered_rate:,.0f} | {statistics.median(self.latencies_ms or [0]):.1f} |"
            f" {self.pct(0.99):.1f} | {backlog} |"
        )


HEADER = [
    "| event path | offered/s | sent | refused | received | received/s | p50 ms | p99 ms |"
    " backlog max / end |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
]


def _age_ms(event: dict[str, Any], now: float) -> float:
    sent = datetime.fromisoformat(event["time"].replace("Z", "+00:00")).timestamp()
    return (now - sent) * 1000


async def _collect(nats_url: str, subject: str, arrivals: list[tuple[str, float]]) -> Any:
    """Every event on `subject` as (its subject or id, age in ms when it arrived)."""
    nc = await nats.connect(nats_url)

    async def on_msg(msg: Any) -> None:
        now = time.time()
        event = orjson.loads(msg.data)
        arrivals.append((event.get("subject") or event["id"], _age_ms(event, now)))

    await nc.subscribe(subject, cb=on_msg)
    await nc.flush()
    return nc


def _count(figures: EventFigures, arrivals: list[tuple[str, float]], ours: set[str]) -> None:
    mine = [age for key, age in arrivals if key in ours]
    figures.received, figures.latencies_ms = len(mine), mine


async def wait_for_empty_outbox(dsn: str, timeout: float = 60.0) -> None:
    """What earlier rounds wrote is published first: each run starts with no backlog."""
    conn = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not await conn.fetchval(
                "SELECT count(*) FROM tickets.outbox WHERE published_at IS NULL"
            ):
                return
            await asyncio.sleep(0.2)
    finally:
        await conn.close()


async def wait_for_idle_consumers(nats_url: str, timeout: float = 180.0) -> None:
    """The services' consumers have handled what earlier rounds published: a run measured
    while five services still work through thousands of events measures them too."""
    nc = await nats.connect(nats_url)
    try:
        await eventually(lambda: assert_consumers_idle(nc), timeout=timeout, interval=0.5)
    finally:
        await nc.close()


async def _backlog(dsn: str, figures: EventFigures, stop: asyncio.Event) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        while not stop.is_set():
            figures.backlog.append(
                await conn.fetchval(
                    "SELECT count(*) FROM tickets.outbox WHERE published_at IS NULL"
                )
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
    finally:
        await conn.close()


async def _drain(arrivals: list[tuple[str, float]], ours: set[str], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len({key for key, _ in arrivals} & ours) >= len(ours):
            return
        await asyncio.sleep(0.05)


async def latency_at(
    base: str,
    tenants: list[tuple[str, str]],
    nats_url: str,
    dsn: str,
    *,
    rate: float = 500.0,
    seconds: float = 10.0,
) -> EventFigures:
    """`tenants`: (host, bearer token). Tickets created through the gateway at `rate`."""
    figures = EventFigures(f"`POST /api/tickets` -> subscriber, {rate:,.0f}/s", rate)
    created: set[str] = set()
    # Only our own tickets count: the ids come back in the answers, the events carry them.
    arrivals: list[tuple[str, float]] = []
    await wait_for_empty_outbox(dsn)
    await wait_for_idle_consumers(nats_url)
    nc = await _collect(nats_url, SUBJECT, arrivals)
    stop = asyncio.Event()
    sampler = asyncio.create_task(_backlog(dsn, figures, stop))
    body = orjson.dumps({"title": "Event bench"})
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=64), base_url=base
    ) as http:

        async def one(i: int) -> None:
            host, token = tenants[i % len(tenants)]
            headers = {
                "Host": host,
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
            }
            async with http.post("/api/tickets", data=body, headers=headers) as resp:
                if resp.status == 201:
                    created.add((await resp.json())["id"])
                else:
                    figures.failed[resp.status] = figures.failed.get(resp.status, 0) + 1

        started = time.monotonic()
        tasks = []
        total = round(rate * seconds)
        for i in range(total):
            delay = started + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
        figures.seconds = time.monotonic() - started
    figures.sent = len(created)
    await _drain(arrivals, created)
    _count(figures, arrivals, created)
    stop.set()
    await sampler
    await nc.close()
    return figures


async def relay_at(
    tenant_org: str, nats_url: str, dsn: str, *, rate: float = 2000.0, seconds: float = 10.0
) -> EventFigures:
    """Outbox rows inserted at `rate` in batches every 10 ms; the subscriber counts them.
    Latency from the commit (the INSERT's answer) to the arrival, as the goal reads."""
    figures = EventFigures(f"outbox rows -> subscriber (relay alone), {rate:,.0f}/s", rate)
    arrivals: list[tuple[str, float]] = []
    ours: set[str] = set()
    committed_ms: dict[str, float] = {}  # event id -> its commit, in ms after its `time`
    await wait_for_empty_outbox(dsn)
    await wait_for_idle_consumers(nats_url)
    nc = await _collect(nats_url, PING_SUBJECT, arrivals)
    stop = asyncio.Event()
    sampler = asyncio.create_task(_backlog(dsn, figures, stop))
    conn = await asyncpg.connect(dsn)
    batch = max(1, round(rate / 100))
    try:
        started = time.monotonic()
        for step in range(round(seconds * 100)):
            delay = started + step / 100 - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            stamped = time.time()
            now = datetime.fromtimestamp(stamped, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            ids = [uuid.uuid4() for _ in range(batch)]
            events = [
                orjson.dumps(
                    {
                        "specversion": "1.0",
                        "id": str(i),
                        "source": "servelo/tickets",
                        "type": "bench-pinged",
                        "time": now,
                        "subject": None,
                        "datacontenttype": "application/json",
                        "tenant": tenant_org,
                        "data": {},
                    }
                ).decode()
                for i in ids
            ]
            await conn.execute(
                "INSERT INTO tickets.outbox (id, subject, event)"
                " SELECT i, $3, e::jsonb FROM unnest($1::uuid[], $2::text[]) AS t(i, e)",
                ids,
                events,
                PING_SUBJECT,
            )
            committed = (time.time() - stamped) * 1000
            figures.sent += batch
            for i in ids:
                ours.add(str(i))
                committed_ms[str(i)] = committed
        figures.seconds = time.monotonic() - started
    finally:
        await conn.close()
    await _drain(arrivals, ours)
    _count(figures, arrivals, ours)
    figures.latencies_ms = [age - committed_ms[key] for key, age in arrivals if key in ours]
    stop.set()
    await sampler
    await nc.close()
    return figures
