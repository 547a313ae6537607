"""Tools of the fault tests: a steady writer through the gateway, recovery probes, a table.

The writer keeps creating tickets at a fixed rate and records every answer; the probes
time how long each part of the platform (writes, outbox relays, consumers, mail, the
gateway's org registry, readiness) takes to work again after a server comes back.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import asyncpg

from servelo_dev.testing.client import ApiClient, ApiResponse
from servelo_dev.testing.tenants import Tenant, eventually, login

SERVICE_SCHEMAS = ("auth", "tickets", "crm", "finance", "team")


@dataclass
class Writer:
    """Creates tickets at `rate` per second until stopped; keeps every outcome."""

    client: ApiClient
    rate: float = 20.0
    acked: dict[str, float] = field(default_factory=dict)  # ticket id -> when answered
    refused: list[tuple[float, ApiResponse]] = field(default_factory=list)
    lost: list[tuple[float, str]] = field(default_factory=list)  # no answer at all
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task

    @property
    def attempts(self) -> int:
        return len(self.acked) + len(self.refused) + len(self.lost)

    def first_ack_after(self, moment: float) -> float | None:
        later = [t for t in self.acked.values() if t >= moment]
        return min(later) if later else None

    async def _run(self) -> None:
        interval = 1.0 / self.rate
        next_at = time.monotonic()
        n = 0
        while not self._stop.is_set():
            n += 1
            try:
                resp = await self.client.post(
                    "/api/tickets", json={"title": f"steady write {n}", "priority": "normal"}
                )
            except (aiohttp.ClientError, TimeoutError) as exc:
                self.lost.append((time.monotonic(), repr(exc)))
            else:
                if resp.status == 201:
                    self.acked[resp.json["id"]] = time.monotonic()
                else:
                    self.refused.append((time.monotonic(), resp))
            next_at = max(next_at + interval, time.monotonic() - 1.0)
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))


async def pg(dsn: str) -> asyncpg.Connection:
    return await asyncpg.connect(dsn, timeout=5)


async def fetchval(dsn: str, query: str, *args: Any) -> Any:
    """One query on a fresh connection: the test's own view survives a Postgres restart."""
    conn = await pg(dsn)
    try:
        return await conn.fetchval(query, *args)
    finally:
        await conn.close()


async def timed(since: float, check: Callable[[], Awaitable[Any]], timeout: float) -> float:
    """Seconds from `since` until `check` passes (it is retried until `timeout`)."""
    await eventually(check, timeout=timeout, interval=0.1)
    return round(time.monotonic() - since, 2)


@dataclass
class Probes:
    """Each probe does something through the gateway that needs one background part."""

    stack: Any
    http: aiohttp.ClientSession
    tenant: Tenant

    async def readiness(self) -> None:
        for name, proc in self.stack.stack.processes.items():
            path = "/readyz"
            async with self.http.get(f"http://127.0.0.1:{proc.port}{path}") as resp:
                assert resp.status == 200, (name, resp.status, await resp.text())

    async def outbox_drained(self, before: datetime) -> None:
        """Every event committed before `before` has been published, in every service."""
        for schema in SERVICE_SCHEMAS:
            left = await fetchval(
                self.stack.admin_dsn,
                f"SELECT count(*) FROM {schema}.outbox"  # noqa: S608
                " WHERE published_at IS NULL AND created_at < $1",
                before,
            )
            assert left == 0, f"{schema}: {left} events not yet published"

    async def consumers(self) -> None:
        """A new crm customer reaches tickets', team's and finance's consumers."""
        resp = await self.tenant.admin.post("/api/customers", json={"name": "Probe"})
        assert resp.status == 201, resp
        customer = resp.json["id"]

        async def replicated() -> None:
            for schema in ("tickets", "team", "finance"):
                found = await fetchval(
                    self.stack.admin_dsn,
                    f"SELECT count(*) FROM {schema}.customers WHERE id = $1::uuid",  # noqa: S608
                    customer,
                )
                assert found == 1, f"customer not yet in {schema}"

        await eventually(replicated, timeout=60, interval=0.1)

    async def mail(self) -> None:
        """An invitation is mailed by auth's mail sender."""
        email = f"probe-{secrets.token_hex(4)}@{self.tenant.slug}.example.com"
        resp = await self.tenant.admin.post(
            "/api/users/invite", json={"email": email, "name": "Probe", "role": "technician"}
        )
        assert resp.status == 201, resp
        await self.stack.mail.wait_for(to=email, timeout=60)

    async def gateway(self) -> None:
        """A new org answers on its host: auth's relay and the gateway's event sync."""
        sysadmin = await self.stack.system_admin(self.http)
        slug = "probe-" + secrets.token_hex(4)
        email, password = f"a@{slug}.example.com", "pw-" + secrets.token_hex(8)
        resp = await sysadmin.post(
            "/api/admin/orgs",
            json={
                "slug": slug,
                "name": "Probe",
                "plan": "pro",
                "admin": {"email": email, "name": "A", "password": password},
            },
        )
        assert resp.status == 201, resp
        await login(self.stack.client(self.http, slug), email, password, timeout=60)

    async def after_restart(self, since: float, before: datetime) -> dict[str, float]:
        """Seconds from `since` until each part works again (all probed at once)."""

        def retried(action: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
            async def check() -> None:
                try:
                    await action()
                except (aiohttp.ClientError, OSError, asyncpg.PostgresError) as exc:
                    raise AssertionError(repr(exc)) from exc

            return check

        names = ("ready", "relay", "consumers", "mail", "gateway")
        checks = (
            self.readiness,
            lambda: self.outbox_drained(before),
            self.consumers,
            self.mail,
            self.gateway,
        )
        results = await asyncio.gather(*(timed(since, retried(c), timeout=60) for c in checks))
        return dict(zip(names, results, strict=True))


def now_utc() -> datetime:
    return datetime.now(UTC)


def table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table of dicts (same keys), for the test's report."""
    keys = list(rows[0])
    width = {k: max(len(k), *(len(str(r[k])) for r in rows)) for k in keys}
    lines = [" | ".join(k.ljust(width[k]) for k in keys)]
    lines.append("-+-".join("-" * width[k] for k in keys))
    lines += [" | ".join(str(r[k]).ljust(width[k]) for k in keys) for r in rows]
    return "\n".join(lines)
