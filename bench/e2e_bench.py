"""The whole path against Postgres itself: wrk through gateway -> service -> Postgres, and
pgbench on the same Postgres, side by side in interleaved rounds (written to
docs/benchmarks-e2e.md).

    uv run python bench/e2e_bench.py [--seconds 5] [--rounds 3] [--tenants 8]

It starts the platform as `make run` does (embedded Postgres with its durable defaults,
NATS, every service, the gateway) in a temporary folder, with the rate limits off for the
load generator. Every server process runs on CPU 1; wrk and pgbench run on CPU 0, so the
service path and pgbench get the same single core of server time. The figures that count
are the ratios within one run: this machine drifts by up to 40% between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from e2e_events import HEADER as EVENTS_HEADER
from e2e_events import EventFigures, latency_at, relay_at
from history import keep_history
from servelo_dev.devstack.embedded import free_port
from servelo_dev.devstack.stack import Stack, StackConfig
from servelo_dev.testing.client import ApiClient
from servelo_dev.testing.factories import (
    make_customer,
    make_member,
    make_revenue,
    make_ticket,
)
from servelo_dev.testing.tenants import login

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "benchmarks-e2e.md"
PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"
CONNS = 32
SERVER_CPU, LOAD_CPU = "1", "0"
UNLIMITED = {
    name: "0"
    for name in (
        "SERVELO_RATELIMIT_IP_PER_MINUTE",
        "SERVELO_RATELIMIT_TENANT_PER_MINUTE",
        "SERVELO_RATELIMIT_ANONYMOUS_PER_MINUTE",
        "SERVELO_RATELIMIT_SIGNIN_IP_PER_MINUTE",
        "SERVELO_RATELIMIT_LOGIN_PER_MINUTE",
    )
}


@dataclass
class Tenant:
    host: str
    token: str
    org_id: str = ""
    ids: dict[str, str] = field(default_factory=dict)


@dataclass
class Row:
    """One figure measured each round: a wrk target or a pgbench mode."""

    name: str
    rps: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.rps)


def lua_rotating(
    work: Path, name: str, method: str, paths: list[str], tenants: list[Tenant], body: str | None
) -> Path:
    """A wrk script that spreads requests over tenants (and their paths) round-robin."""
    entries = ",\n".join(
        f'  {{"{t.host}", "Bearer {t.token}", "{p}"}}' for t, p in zip(tenants, paths, strict=True)
    )
    script = work / f"{name}.lua"
    payload = "nil" if body is None else "[[" + body + "]]"
    script.write_text(
        f"""
local targets = {{
{entries}
}}
local i = 0
local body = {payload}
request = function()
  i = i % #targets + 1
  local t = targets[i]
  local headers = {{Host = t[1], Authorization = t[2]}}
  if body then headers["Content-Type"] = "application/json" end
  return wrk.format("{method}", t[3], headers, body)
end
"""
    )
    return script


def wrk(url: str, script: Path, seconds: float) -> tuple[float, float]:
    out = subprocess.run(
        [
            "taskset",
            "-c",
            LOAD_CPU,
            "wrk",
            "-t1",
            f"-c{CONNS}",
            f"-d{round(seconds)}s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise RuntimeError(f"{bad.group(1)} error answers from {script.name}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return rps, (float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan"))


def pgbench(args: list[str], env: dict[str, str]) -> float:
    out = subprocess.run(
        ["taskset", "-c", LOAD_CPU, PGBENCH, *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    return float(re.search(r"tps = ([\d.]+) \(without initial", out).group(1))  # type: ignore[union-attr]


async def setup_tenants(stack: Stack, n: int) -> list[Tenant]:
    base = f"http://127.0.0.1:{stack.config.gateway_port}"
    async with aiohttp.ClientSession() as http:
        system = await login(
            ApiClient(http, base, f"{stack.config.system_org}.localhost"),
            stack.config.admin_email,
            stack.admin_password,
            timeout=30,
        )
        tenants = []
        for i in range(n):
            slug = f"bench{i}-{secrets.token_hex(3)}"
            password = "pw-" + secrets.token_urlsafe(12)
            resp = await system.post(
                "/api/admin/orgs",
                json={
                    "slug": slug,
                    "name": slug,
                    "plan": "pro",
                    "admin": {"email": f"a@{slug}.test", "name": "A", "password": password},
                },
            )
            assert resp.status == 201, resp
            admin = await login(
                ApiClient(http, base, f"{slug}.localhost"), f"a@{slug}.test", password, timeout=30
            )
            assert admin.token
            tenant = Tenant(host=f"{slug}.localhost", token=admin.token, org_id=resp.json["id"])
            tenant.ids["ticket"] = (await make_ticket(admin))["id"]
            for _ in range(60):
                await make_ticket(admin)
            tenant.ids["customer"] = (await make_customer(admin))["id"]
            tenant.ids["revenue"] = (await make_revenue(admin))["id"]
            tenant.ids["member"] = (await make_member(admin))["id"]
            tenants.append(tenant)
        return tenants


def targets(work: Path, tenants: list[Tenant]) -> dict[str, Path]:
    one, all_ = tenants[:1], tenants
    same = lambda path: [path] * len(all_)  # noqa: E731
    each = lambda fmt, key: [fmt.format(t.ids[key]) for t in all_]  # noqa: E731
    return {
        "GET /api/tickets/:id": lua_rotating(
            work, "ticket_get", "GET", each("/api/tickets/{}", "ticket"), all_, None
        ),
        "GET /api/tickets?limit=50": lua_rotating(
            work, "ticket_page", "GET", same("/api/tickets?limit=50"), all_, None
        ),
        "POST /api/tickets, 1 tenant": lua_rotating(
            work, "ticket_post_1", "POST", ["/api/tickets"], one, '{"title": "Bench"}'
        ),
        f"POST /api/tickets, {len(all_)} tenants": lua_rotating(
            work, "ticket_post_n", "POST", same("/api/tickets"), all_, '{"title": "Bench"}'
        ),
        "GET /api/customers/:id": lua_rotating(
            work, "customer_get", "GET", each("/api/customers/{}", "customer"), all_, None
        ),
        "POST /api/customers": lua_rotating(
            work, "customer_post", "POST", same("/api/customers"), all_, '{"name": "Bench Ltd"}'
        ),
        "GET /api/revenue/:id": lua_rotating(
            work, "revenue_get", "GET", each("/api/revenue/{}", "revenue"), all_, None
        ),
        "POST /api/revenue": lua_rotating(
            work, "revenue_post", "POST", same("/api/revenue"), all_, '{"amount": "10.00"}'
        ),
        "GET /api/team-members/:id": lua_rotating(
            work, "member_get", "GET", each("/api/team-members/{}", "member"), all_, None
        ),
        "POST /api/team-members": lua_rotating(
            work,
            "member_post",
            "POST",
            same("/api/team-members"),
            all_,
            '{"name": "Bench", "hourly_rate": "50.00"}',
        ),
    }


# What each row is compared with: reads with pgbench -S, writes with pgbench -N.
PEER = {True: "pgbench -S", False: "pgbench -N"}


def write_report(
    rows: dict[str, Row],
    events: list[EventFigures],
    args: argparse.Namespace,
    started: datetime,
    load: str,
) -> str:
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    lines = [
        "# End-to-end benchmark: the service path against Postgres",
        "",
        f"Generated by `make bench` (`bench/e2e_bench.py`) on {started:%Y-%m-%d %H:%M} UTC,"
        f" {cpu}, {os.cpu_count()} CPUs. Servers on CPU {SERVER_CPU}, wrk and pgbench on CPU"
        f" {LOAD_CPU}; {CONNS} connections; medians of {args.rounds} interleaved rounds of"
        f" {args.seconds:g} s; {args.tenants} tenants. Durable Postgres settings (as `make"
        f" run`); rate limits off; `SERVELO_WORKERS={args.workers}`. Load average (1, 5, 15"
        f" min) before and after: {load}.",
        "",
        "| path | req/s | p99 ms | peer | peer tps | ratio |",
        "| --- | ---: | ---: | --- | ---: | ---: |",
    ]
    for name, row in rows.items():
        if name.startswith("pgbench"):
            continue
        peer = rows[PEER[name.startswith("GET")]]
        lines.append(
            f"| `{name}` | {row.median:,.0f} | {statistics.median(row.p99):.1f} | {peer.name} |"
            f" {peer.median:,.0f} | **{row.median / peer.median:.3f}** |"
        )
    for mode in PEER.values():
        lines.append(f"\n`{mode}` rounds: " + ", ".join(f"{v:,.0f}" for v in rows[mode].rps))
    if events:
        lines += [
            "",
            "Events, after the rounds, each run once every service's consumers are idle:"
            " latency is to the arrival at a NATS subscriber of the stream's subject, from the"
            " event's `time` for `POST` (set just before the INSERT, so before the commit: an"
            " upper bound) and from the INSERT's commit for the relay alone; the backlog is the"
            " tickets outbox's unpublished rows, sampled each second.",
            "",
            *EVENTS_HEADER,
            *(e.row() for e in events),
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tenants", type=int, default=8)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--only", default="", help="run the paths whose name has this text")
    parser.add_argument("--event-seconds", type=float, default=10.0, help="0: no event runs")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("SERVELO_WORKERS", "1")))
    args = parser.parse_args()
    for tool in ("wrk", "taskset"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: `make bench` installs it")
    started = datetime.now(UTC)
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    work = Path(tempfile.mkdtemp(prefix="servelo-e2e-"))
    os.sched_setaffinity(0, {int(SERVER_CPU)})  # every server started below inherits it
    config = StackConfig(
        data_dir=work / "stack",
        env="development",
        gateway_port=free_port(),
        environ={k: v for k, v in os.environ.items() if not k.startswith("SERVELO_")},
        extra_env={
            **UNLIMITED,
            "SERVELO_PASSWORD_HASH_PROFILE": "fast",
            "SERVELO_WORKERS": str(args.workers),
        },
    )
    stack = Stack(config)
    try:
        stack.start()
        # The servers keep CPU 1; this process (the event runs' load) moves to the load CPU.
        os.sched_setaffinity(0, {int(LOAD_CPU)})
        tenants = asyncio.run(setup_tenants(stack, args.tenants))
        scripts = {k: v for k, v in targets(work, tenants).items() if args.only in k}
        assert stack.pg is not None, "the benchmark runs on the embedded Postgres"
        pg_env = {**os.environ, "PGPASSWORD": stack.pg.password}
        conn = ["-h", "127.0.0.1", "-p", str(stack.pg.port), "-U", "postgres"]
        subprocess.run(
            [str(Path(PGBENCH).parent / "createdb"), *conn, "pgbench"],
            env=pg_env,
            check=False,
            capture_output=True,
        )
        subprocess.run(
            [PGBENCH, "-i", "-q", "-s", "10", *conn, "pgbench"],
            env=pg_env,
            check=True,
            capture_output=True,
        )
        url = f"http://127.0.0.1:{config.gateway_port}"
        rows = {name: Row(name) for name in [*scripts, *PEER.values()]}
        for script in scripts.values():  # warm-up: caches, pools, prepared statements
            wrk(url, script, 1)
        for r in range(args.rounds):
            for name, script in scripts.items():
                rps, p99 = wrk(url, script, args.seconds)
                rows[name].rps.append(rps)
                rows[name].p99.append(p99)
            for mode, flag in (("pgbench -S", "-S"), ("pgbench -N", "-N")):
                tps = pgbench(
                    [
                        flag,
                        "-M",
                        "prepared",
                        "-c",
                        str(CONNS),
                        "-j",
                        "1",
                        "-T",
                        str(round(args.seconds)),
                        *conn,
                        "pgbench",
                    ],
                    pg_env,
                )
                rows[mode].rps.append(tps)
                rows[mode].p99.append(float("nan"))
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
        events = []
        if args.event_seconds > 0:
            nats_url, dsn = stack.nats_url, stack.database_dsn
            events.append(
                asyncio.run(
                    latency_at(
                        url,
                        [(t.host, t.token) for t in tenants],
                        nats_url,
                        dsn,
                        seconds=args.event_seconds,
                    )
                )
            )
            # The relay alone at the latency goal's rate (the POST row above is bounded by
            # what the stack accepts) and at the throughput goal's.
            for rate in (500.0, 2000.0):
                events.append(
                    asyncio.run(
                        relay_at(
                            tenants[0].org_id, nats_url, dsn, rate=rate, seconds=args.event_seconds
                        )
                    )
                )
        load = f"{load_before} / " + " ".join(f"{x:.2f}" for x in os.getloadavg())
        report = write_report(rows, events, args, started, load)
        print(report)
        keep_history(args.out, report)
    finally:
        stack.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
