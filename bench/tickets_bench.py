"""Tickets benchmarks through the gateway, appended to docs/benchmarks-tickets.md.

1. `POST /api/tickets` throughput (each create writes the ticket, the counter row and an
   outbox event in one transaction) at 32 concurrent clients.
2. `GET /api/tickets?limit=50` latency (1 client) in a tenant of 10k tickets and in one of
   1M, first page and a page from the middle of the list, in interleaved rounds; rows are
   bulk-loaded with generate_series.
3. Event latency: a ticket's `created_at` (inside the creating transaction) to a core
   NATS subscriber receiving `ticket-created`.
4. `GET /api/tickets?q=...&limit=50` latency in the same two tenants: a word of one
   ticket (an md5 prefix), a number prefix (`123`: 111 matches in 10k, 11,111 in 1M) and
   a word of every ticket (`bulk`).

    uv run python bench/tickets_bench.py [--rows 1000000] [--seconds 8]

Starts its own embedded Postgres, NATS, auth, tickets and gateway in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import platform
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import nats
import orjson
from servelo_common.pagination import encode_cursor
from servelo_dev.devstack.embedded import free_port
from servelo_dev.devstack.stack import Stack, StackConfig
from servelo_dev.testing.client import ApiClient
from servelo_dev.testing.tenants import login

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "benchmarks-tickets.md"

BULK = """
INSERT INTO tickets.tickets (id, org_id, number, title, description, status, priority,
                             created_by, created_at, updated_at)
SELECT gen_random_uuid(), $1, n, 'Ticket ' || n,
       'Bulk loaded ticket ' || n || ' ' || md5(n::text),
       (ARRAY['open','in_progress','on_hold','resolved','closed'])[1 + n % 5],
       (ARRAY['low','normal','high','urgent'])[1 + n % 4], $2,
       now() - make_interval(secs => ($4 - n)::float8),
       now() - make_interval(secs => ($4 - n)::float8)
FROM generate_series($3::bigint, $4::bigint) AS n
"""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def timed(client: ApiClient, path: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        resp = await client.get(path)
        out.append((time.perf_counter() - t) * 1000)
        assert resp.status == 200, resp
    return out


async def create_throughput(client: ApiClient, seconds: float, conc: int) -> dict[str, float]:
    lat: list[float] = []
    stop = time.perf_counter() + seconds

    async def worker(i: int) -> None:
        n = 0
        while time.perf_counter() < stop:
            t = time.perf_counter()
            resp = await client.post(
                "/api/tickets", json={"title": f"bench {i}-{n}", "description": "bench"}
            )
            assert resp.status == 201, resp
            lat.append((time.perf_counter() - t) * 1000)
            n += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(conc)))
    elapsed = time.perf_counter() - started
    return {
        "rps": len(lat) / elapsed,
        "p50": statistics.median(lat),
        "p99": pct(lat, 99),
        "n": len(lat),
    }


async def deep_path(db: asyncpg.Connection, org_id: str) -> str:
    """A page from the middle of the org's list, as a client following `Link` gets it."""
    total = await db.fetchval("SELECT count(*) FROM tickets.tickets WHERE org_id = $1", org_id)
    middle = await db.fetchrow(
        "SELECT created_at, id FROM tickets.tickets WHERE org_id = $1 AND deleted_at IS NULL"
        " ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1",
        org_id,
        total // 2,
    )
    return f"/api/tickets?limit=50&cursor={encode_cursor([middle[0], middle[1]])}"


async def list_latency(
    clients: dict[str, ApiClient], deep: dict[str, str], rounds: int
) -> dict[str, dict[str, float]]:
    """Interleaved rounds per tenant, so drift of a shared machine hits both alike."""
    first: dict[str, list[float]] = {k: [] for k in clients}
    deeper: dict[str, list[float]] = {k: [] for k in clients}
    for name, client in clients.items():  # warm caches and connections
        await timed(client, "/api/tickets?limit=50", 30)
        await timed(client, deep[name], 10)
    per_round = max(1, rounds // 5)
    for _ in range(5):
        for name, client in clients.items():
            first[name] += await timed(client, "/api/tickets?limit=50", per_round)
            deeper[name] += await timed(client, deep[name], per_round)
    return {
        k: {
            "p50": statistics.median(first[k]),
            "p99": pct(first[k], 99),
            "deep_p50": statistics.median(deeper[k]),
            "deep_p99": pct(deeper[k], 99),
        }
        for k in clients
    }


SEARCHES = {"rare": "{rare}", "number prefix": "123", "every ticket": "bulk"}


async def search_latency(
    clients: dict[str, ApiClient], rare: str, rounds: int
) -> dict[str, dict[str, float]]:
    """p50/p99 per (tenant, search), interleaved like `list_latency`."""
    paths = {k: f"/api/tickets?limit=50&q={v.replace('{rare}', rare)}" for k, v in SEARCHES.items()}
    lat: dict[str, list[float]] = {f"{c} {k}": [] for c in clients for k in paths}
    for client in clients.values():
        found = await client.get(paths["rare"])
        assert len(found.json) == 1, found  # the search finds what it should
        for path in paths.values():
            await timed(client, path, 10)
    per_round = max(1, rounds // 5)
    for _ in range(5):
        for name, client in clients.items():
            for k, path in paths.items():
                lat[f"{name} {k}"] += await timed(client, path, per_round)
    return {k: {"p50": statistics.median(v), "p99": pct(v, 99)} for k, v in lat.items()}


async def bulk_load(
    db: asyncpg.Connection, org_id: str, user_id: str, target: int, *, new: int = 0
) -> float:
    """Bulk rows up to `target` in all, and at least `new` of them (the rare search term is
    in a bulk row: a fast create run can make more tickets than the target by itself)."""
    started = time.perf_counter()
    have = await db.fetchval(
        "SELECT coalesce(max(number), 0) FROM tickets.tickets WHERE org_id = $1", org_id
    )
    count = await db.fetchval("SELECT count(*) FROM tickets.tickets WHERE org_id = $1", org_id)
    target = max(target, count + new)
    if target > count:
        await db.execute(BULK, org_id, user_id, have + 1, have + target - count)
        await db.execute(
            "UPDATE tickets.ticket_counters SET next_number = $2 WHERE org_id = $1",
            org_id,
            have + target - count + 1,
        )
    # What autovacuum would do after a bulk load; otherwise it runs during the measurement.
    await db.execute("VACUUM ANALYZE tickets.tickets")
    await db.execute("VACUUM ANALYZE tickets.ticket_search")
    return time.perf_counter() - started


async def event_latency(client: ApiClient, nats_url: str, n: int) -> dict[str, float]:
    nc = await nats.connect(nats_url)
    lat: list[float] = []
    done = asyncio.Event()

    async def on_msg(msg: Any) -> None:
        now = datetime.now(UTC)
        event = orjson.loads(msg.data)
        if not event["data"]["title"].startswith("event "):
            return  # still the relay's backlog from the create run
        created = datetime.fromisoformat(event["data"]["created_at"].replace("Z", "+00:00"))
        lat.append((now - created).total_seconds() * 1000)
        if len(lat) >= n:
            done.set()

    await nc.subscribe("servelo.events.tickets.ticket-created", cb=on_msg)
    await nc.flush()
    for i in range(n):
        await client.post("/api/tickets", json={"title": f"event {i}"})
        await asyncio.sleep(0.01)
    await asyncio.wait_for(done.wait(), 30)
    await nc.close()
    return {"p50": statistics.median(lat), "p99": pct(lat, 99), "n": len(lat)}


async def new_org(
    sysadmin: ApiClient, http: aiohttp.ClientSession, gateway: str
) -> tuple[str, ApiClient]:
    slug, password = "bench" + secrets.token_hex(3), "pw-" + secrets.token_hex(8)
    email = f"admin@{slug}.example.com"
    resp = await sysadmin.post(
        "/api/admin/orgs",
        json={
            "slug": slug,
            "name": "Bench",
            "plan": "pro",
            "admin": {"email": email, "name": "A", "password": password},
        },
    )
    assert resp.status == 201, resp
    admin = await login(ApiClient(http, gateway, f"{slug}.localhost"), email, password, timeout=20)
    return str(resp.json["id"]), admin


async def run(stack: Stack, args: argparse.Namespace) -> str:
    gateway = f"http://127.0.0.1:{stack.config.gateway_port}"
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100)) as http:
        sysadmin = await login(
            ApiClient(http, gateway, f"{stack.config.system_org}.localhost"),
            stack.config.admin_email,
            stack.admin_password,
            timeout=20,
        )
        small_org, small = await new_org(sysadmin, http, gateway)
        big_org, big = await new_org(sysadmin, http, gateway)
        creates = await create_throughput(small, args.seconds, 32)
        events = await event_latency(small, stack.nats_url, 200)
        db = await asyncpg.connect(stack.database_dsn)
        try:
            load_s = await bulk_load(db, small_org, small.user["id"], 10_000, new=1_000)
            load_s += await bulk_load(db, big_org, big.user["id"], args.rows)
            deep = {"small": await deep_path(db, small_org), "big": await deep_path(db, big_org)}
            # The small org's last bulk row: its number is bulk-loaded in the big org too.
            small_rows = await db.fetchval(
                "SELECT count(*) FROM tickets.tickets WHERE org_id = $1", small_org
            )
            rare_n = await db.fetchval(
                "SELECT max(number) FROM tickets.tickets WHERE org_id = $1", small_org
            )
        finally:
            await db.close()
        lists = await list_latency({"small": small, "big": big}, deep, args.rounds)
        # Ticket rare_n is a bulk row of both tenants; its md5 is in that one description.
        rare = hashlib.md5(str(rare_n).encode()).hexdigest()[:10]  # noqa: S324 - the bulk data's
        searches = await search_latency({"small": small, "big": big}, rare, args.rounds)
    lists["small"]["rows"], lists["big"]["rows"] = small_rows, args.rows
    return report(creates, events, lists["small"], lists["big"], load_s, args) + search_report(
        searches, args
    )


def search_report(res: dict[str, dict[str, float]], args: argparse.Namespace) -> str:
    rows = [
        f"| `q` {k} | {res['small ' + k]['p50']:.2f} / {res['small ' + k]['p99']:.2f}"
        f" | {res['big ' + k]['p50']:.2f} / {res['big ' + k]['p99']:.2f}"
        f" | {res['big ' + k]['p99'] / res['small ' + k]['p99']:.2f} |"
        for k in SEARCHES
    ]
    return f"""
`GET /api/tickets?limit=50&q=...`, 1 client, p50 / p99 in ms (search through the
`ticket_search` side table, migrations/0002, with the org lexeme of 0003):

| search | 10,000 tickets | {args.rows:,} tickets | p99 ratio |
| --- | --- | --- | --- |
{chr(10).join(rows)}
"""


def report(
    creates: dict[str, float],
    events: dict[str, float],
    small: dict[str, float],
    big: dict[str, float],
    load_s: float,
    args: argparse.Namespace,
) -> str:
    cpu = platform.processor() or platform.machine()
    ratio, deep_ratio = big["p99"] / small["p99"], big["deep_p99"] / small["deep_p99"]
    n_small, n_big = f"{small['rows']:,.0f}", f"{big['rows']:,.0f}"
    rows = [
        (
            f"`POST /api/tickets`, 32 clients, {args.seconds:.0f} s",
            f"{creates['rps']:,.0f} req/s (p50 {creates['p50']:.1f}, p99 {creates['p99']:.1f};"
            f" {creates['n']:,.0f} tickets)",
        ),
        (
            f"`GET /api/tickets?limit=50`, tenant of {n_small} tickets, 1 client",
            f"p50 {small['p50']:.2f}, p99 {small['p99']:.2f}",
        ),
        (f"same, tenant of {n_big} tickets", f"p50 {big['p50']:.2f}, p99 {big['p99']:.2f}"),
        (f"**p99 ratio {n_big} / {n_small}** (goal <= 1.1)", f"**{ratio:.2f}**"),
        (
            f"page from the middle (keyset cursor), {n_small} / {n_big}",
            f"p99 {small['deep_p99']:.2f} / {big['deep_p99']:.2f} (ratio {deep_ratio:.2f})",
        ),
        (
            f"event: ticket `created_at` -> NATS subscriber, {events['n']:.0f} events",
            f"p50 {events['p50']:.1f}, p99 {events['p99']:.1f}",
        ),
    ]
    table = "\n".join(f"| {a} | {b} |" for a, b in rows)
    return f"""
## Tickets, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC

Machine: {os.cpu_count()} vCPU ({cpu}), Python {platform.python_version()}; embedded
Postgres, NATS, auth, tickets and the gateway on the same machine
(`bench/tickets_bench.py`). Latencies in ms, through the gateway.

| measurement | result |
| --- | --- |
{table}

Bulk load (generate_series, one INSERT per tenant, with every index), VACUUM ANALYZE:
{load_s:.0f} s.
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="servelo-bench-"))
    config = StackConfig(
        data_dir=folder,
        env="test",
        gateway_port=free_port(),
        services=["auth", "tickets"],
        admin_email="bench@example.com",
        admin_password="bench-" + secrets.token_hex(8),
        extra_env={
            "SERVELO_PASSWORD_HASH_PROFILE": "fast",
            "SERVELO_RATELIMIT_IP_PER_MINUTE": "0",
            "SERVELO_RATELIMIT_TENANT_PER_MINUTE": "0",
        },
    )
    stack = Stack(config)
    try:
        stack.start()
        text = asyncio.run(run(stack, args))
    finally:
        stack.stop()
        shutil.rmtree(folder, ignore_errors=True)
    if not OUT.exists():
        OUT.write_text("# Tickets benchmarks\n\nAppended by `bench/tickets_bench.py`.\n")
    with OUT.open("a") as fh:
        fh.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
