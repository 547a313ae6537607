"""Webhook delivery throughput with a slow endpoint present, written to
docs/benchmarks-webhooks.md.

N fast endpoints (204 at once) and one slow endpoint (5 s per answer) of one org, all
subscribed to one event type; events published to JetStream at R per second for T
seconds; every fast endpoint must get every event. Reported per configuration: events
and deliveries per second achieved, the backlog (deliveries owed minus received by the
fast endpoints) sampled each second, the time to drain after publishing stops, and the
latency from the event's `time` to its receipt (p50, p95, p99).

    uv run python bench/webhooks_bench.py [--seconds 20] [--runs 10x20,50x20,50x200]

Starts its own embedded Postgres and NATS, one webhooks service (no gateway: the bench
signs the identity itself) and the receivers in another process, in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import nats
import orjson
from history import keep_history
from servelo_common.identity import IDENTITY_HEADER, Identity, encode_identity
from servelo_common.jsonutil import iso_z
from servelo_dev.devstack.embedded import free_port
from servelo_dev.devstack.stack import Stack, StackConfig

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "benchmarks-webhooks.md"
TYPE = "bench-happened"
# Seconds to wait for the backlog to drain after publishing stops (--drain).
DRAIN = 120.0


@dataclass
class Result:
    endpoints: int
    rate: int
    seconds: float
    published: int
    publish_rate: float
    delivered: int
    delivery_rate: float
    backlog: list[int]
    drain_seconds: float | None
    slow_received: int
    service_cpu: float  # CPU seconds of the webhooks process(es) during the run
    pg_cpu: float  # and of Postgres
    receiver_cpu: float  # and of the bench's receivers (a real receiver is elsewhere)
    writes: dict[str, int]  # the deliveries table's row writes during the run
    p50: float
    p95: float
    p99: float


TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process, its reaped children and its live ones: the
    cost of the work, whatever share of the machine the other processes left it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    own = sum(int(x) for x in stat[11:15]) / TICKS
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                child = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(child[1]) == pid:
                children.append(int(entry.name))
    return own + sum(tree_cpu(c) for c in children)


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


async def stats(http: aiohttp.ClientSession, port: int) -> dict[str, Any]:
    async with http.get(f"http://127.0.0.1:{port}/stats") as resp:
        data: dict[str, Any] = orjson.loads(await resp.read())
        return data


async def table_writes(dsn: str) -> dict[str, int]:
    """Rows inserted, updated and updated in place (HOT: no index entry written) in the
    deliveries table so far: what a delivery costs Postgres, besides its CPU."""
    if not dsn:
        return {}
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT n_tup_ins AS inserted, n_tup_upd AS updated, n_tup_hot_upd AS hot"
            " FROM pg_stat_user_tables WHERE relname = 'deliveries'"
        )
    finally:
        await conn.close()
    return dict(row) if row else {}


async def run_one(
    service: str,
    secret: bytes,
    nats_url: str,
    endpoints: int,
    rate: int,
    seconds: float,
    drain: float = DRAIN,
    pids: tuple[int, int] = (0, 0),
    dsn: str = "",
) -> Result:
    receiver_port = free_port()
    receiver = subprocess.Popen(  # noqa: ASYNC220  # started once per run, before timing
        [sys.executable, str(ROOT / "bench" / "webhook_receiver.py"), str(receiver_port)]
    )
    org = str(uuid.uuid4())
    ident = Identity(org_id=org, org_slug="bench", user_id=str(uuid.uuid4()), role="admin")
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    await stats(http, receiver_port)
                    break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.05)
            base = f"http://127.0.0.1:{receiver_port}"
            urls = [f"{base}/fast/{n}" for n in range(endpoints)] + [f"{base}/slow"]
            headers = {IDENTITY_HEADER: encode_identity(ident, secret)}
            made: list[str] = []
            for url in urls:
                async with http.post(
                    f"{service}/api/webhooks", json={"url": url, "events": [TYPE]}, headers=headers
                ) as resp:
                    assert resp.status == 201, await resp.text()
                    made.append((await resp.json())["id"])
            cpu_pids = (*pids, receiver.pid)
            cpu_before = [tree_cpu(p) for p in cpu_pids]
            writes_before = await table_writes(dsn)
            started = time.monotonic()
            published = 0
            backlog: list[int] = []
            next_sample = started + 1.0
            while (now := time.monotonic()) - started < seconds:
                due = int((now - started) * rate) - published
                for _ in range(due):
                    event = {
                        "specversion": "1.0",
                        "id": str(uuid.uuid4()),
                        "source": "servelo/bench",
                        "type": TYPE,
                        "time": iso_z(datetime.now(UTC)),
                        # Each event about an entity of its own, as in a stream of creates.
                        "subject": str(uuid.uuid4()),
                        "datacontenttype": "application/json",
                        "tenant": org,
                        "data": {"n": published},
                    }
                    await js.publish(
                        f"servelo.events.bench.{TYPE}",
                        orjson.dumps(event),
                        headers={"Nats-Msg-Id": event["id"]},
                    )
                    published += 1
                if now >= next_sample:
                    got = await stats(http, receiver_port)
                    fast = sum(v for k, v in got["counts"].items() if k.startswith("/fast/"))
                    backlog.append(published * endpoints - fast)
                    next_sample += 1.0
                await asyncio.sleep(0.005)
            elapsed = time.monotonic() - started
            owed = published * endpoints
            drained: float | None = None
            stop = time.monotonic()
            while time.monotonic() - stop < drain:
                got = await stats(http, receiver_port)
                fast = sum(v for k, v in got["counts"].items() if k.startswith("/fast/"))
                if fast >= owed:
                    drained = time.monotonic() - stop
                    break
                await asyncio.sleep(0.25)
            cpu = [tree_cpu(p) - b for p, b in zip(cpu_pids, cpu_before, strict=True)]
            await asyncio.sleep(1.0)  # Postgres reports table statistics about every second
            writes_after = await table_writes(dsn)
            writes = {k: writes_after[k] - writes_before.get(k, 0) for k in writes_after}
            got = await stats(http, receiver_port)
            fast = sum(v for k, v in got["counts"].items() if k.startswith("/fast/"))
            total_time = elapsed + (drained if drained is not None else drain)
            lat = got["latencies"]
            # The receivers stop with this run: its endpoints would fail from now on, and
            # the next run's dispatcher would spend its time retrying them.
            for webhook_id in made:
                async with http.delete(f"{service}/api/webhooks/{webhook_id}", headers=headers):
                    pass
            return Result(
                endpoints=endpoints,
                rate=rate,
                seconds=elapsed,
                published=published,
                publish_rate=published / elapsed,
                delivered=fast,
                delivery_rate=fast / total_time,
                backlog=backlog,
                drain_seconds=drained,
                slow_received=got["counts"].get("/slow", 0),
                service_cpu=cpu[0],
                pg_cpu=cpu[1],
                receiver_cpu=cpu[2],
                writes=writes,
                p50=quantile(lat, 0.5),
                p95=quantile(lat, 0.95),
                p99=quantile(lat, 0.99),
            )
    finally:
        await nc.close()
        receiver.terminate()
        receiver.wait(10)


def start_stack(folder: Path, args: argparse.Namespace) -> Stack:
    extra = {"SERVELO_LOG_LEVEL": "WARNING", "SERVELO_DB_POOL_MAX": "20"}
    if args.workers:
        extra["SERVELO_WORKERS"] = str(args.workers)
    if args.concurrency:
        extra["SERVELO_WEBHOOKS_CONCURRENCY"] = str(args.concurrency)
    stack = Stack(
        StackConfig(
            data_dir=folder,
            env="development",
            gateway_port=free_port(),
            services=["webhooks"],
            database=f"servelo_bench_{secrets.token_hex(3)}",
            environ={},
            extra_env=extra,
        )
    )
    stack.start_infrastructure()
    stack.start_services()
    return stack


def row_writes(r: Result) -> str:
    """Row updates per delivery made, and how many of them were HOT (heap only)."""
    made = r.delivered + r.slow_received
    if not made or "updated" not in r.writes:
        return "-"
    return f"{r.writes['updated'] / made:.2f} / {r.writes['hot'] / made:.2f}"


def per_delivery(cpu: float, r: Result) -> str:
    """CPU microseconds per delivery made (to every endpoint, the slow one included)."""
    made = r.delivered + r.slow_received
    return f"{cpu / made * 1e6:.0f} µs" if made else "-"


def write(results: list[Result], cpu: str, args: argparse.Namespace) -> None:
    drain = args.drain
    workers = args.workers or 1
    replica = "one webhooks replica" if workers == 1 else f"{workers} webhooks worker processes"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        "# Webhook delivery benchmark",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on this machine ({os.cpu_count()} cores,"
        f" {cpu}, shared with other work; load average {load} at the end), {replica}"
        f" ({args.concurrency or 256} attempts in flight each, 4 per endpoint), receivers in"
        " another process on 127.0.0.1, plus one slow endpoint answering after 5 s."
        " `make bench` (bench/webhooks_bench.py) writes this file.",
        "",
        "| fast endpoints x events/s asked | events/s published | deliveries/s to the fast"
        " endpoints | backlog each second (deliveries owed) | drained after | latency p50 / p95"
        " / p99 | slow endpoint got | CPU per delivery: webhooks / Postgres / receivers |"
        " deliveries rows per delivery: updated / of them in place (HOT) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        drained = (
            f"{r.drain_seconds:.1f} s" if r.drain_seconds is not None else f"not in {drain:.0f} s"
        )
        trend = ", ".join(str(b) for b in r.backlog)
        lines.append(
            f"| {r.endpoints} x {r.rate} | {r.publish_rate:.0f} | {r.delivery_rate:.0f} |"
            f" {trend} | {drained} | {r.p50 * 1000:.0f} / {r.p95 * 1000:.0f} /"
            f" {r.p99 * 1000:.0f} ms | {r.slow_received} |"
            f" {per_delivery(r.service_cpu, r)} / {per_delivery(r.pg_cpu, r)} /"
            f" {per_delivery(r.receiver_cpu, r)} | {row_writes(r)} |"
        )
    lines += [
        "",
        "Backlog that stays flat means the configuration is sustained; one that grows each"
        " second means deliveries fall behind the events (the limits are discussed in"
        ' docs/webhooks.md, "Throughput"). CPU per delivery is the CPU time the webhooks'
        " process (with its workers), Postgres and the bench's receivers used from the first"
        " event to the end of the drain, divided by the deliveries made: it depends much less"
        " than deliveries/s on how much of the machine other work left. The receivers stand"
        " for the integrators' servers, which are elsewhere in production, but here they take"
        " their share of the same two cores. Row updates in place (HOT) write no index entry.",
        "",
    ]
    keep_history(args.out, "\n".join(lines))
    print("\n".join(lines))


async def main_async(args: argparse.Namespace, stack: Stack) -> list[Result]:
    service = f"http://127.0.0.1:{stack.processes['webhooks'].port}"
    pids = (stack.processes["webhooks"].proc.pid, (stack.pg.pid if stack.pg else None) or 0)
    secret = stack.secrets["internal_secret"].encode()
    results = []
    for spec in args.runs.split(","):
        endpoints, rate = (int(x) for x in spec.split("x"))
        result = await run_one(
            service,
            secret,
            stack.nats_url,
            endpoints,
            rate,
            args.seconds,
            args.drain,
            pids,
            stack.service_dsns["webhooks"],
        )
        print(result, flush=True)
        results.append(result)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--runs", default="10x20,50x20,50x50,50x200")
    parser.add_argument("--drain", type=float, default=DRAIN)
    # SERVELO_WORKERS and SERVELO_WEBHOOKS_CONCURRENCY of the service (unset: its defaults).
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=0)
    # Write the table here instead of docs/benchmarks-webhooks.md (an A/B run).
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    # A SIGTERM (a timeout) still stops the servers this started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    folder = Path(tempfile.mkdtemp(prefix="servelo-webhooks-bench-"))
    os.environ.setdefault("SERVELO_EMBEDDED_PG_FAST", "1")
    stack = start_stack(folder, args)
    try:
        results = asyncio.run(main_async(args, stack))
    finally:
        stack.stop()
        shutil.rmtree(folder, ignore_errors=True)
    write(results, platform.processor() or platform.machine(), args)


if __name__ == "__main__":
    main()
