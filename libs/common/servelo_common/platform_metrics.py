"""What every service reports about its platform parts: outbox, consumers, mail, pool.

Computed when scraped: one query on the service's schema and one JetStream consumer-info
call per durable, each bounded by a short timeout. A dependency that is down does not fail
the scrape: its gauges are left out and `servelo_metrics_source_up{source=...}` says 0.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import asyncpg
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from servelo_common.bus import EventBus
from servelo_common.db import system_tx
from servelo_common.events import STREAM

log = logging.getLogger("servelo.metrics")

QUERY_TIMEOUT = 2.0

_SCHEMA_QUERY = """
SELECT
  (SELECT count(*) FROM outbox WHERE published_at IS NULL) AS outbox_pending,
  (SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
     FROM outbox WHERE published_at IS NULL) AS outbox_oldest,
  (SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL) AS mail_pending,
  (SELECT count(*) FROM schema_migrations) AS migrations
"""
_DEAD_LETTERS_QUERY = "SELECT consumer, count(*) AS n FROM dead_letters GROUP BY consumer"


@dataclass
class Snapshot:
    database: bool = False
    nats: bool = False
    schema: dict[str, float] = field(default_factory=dict)
    dead_letters: dict[str, int] = field(default_factory=dict)
    consumers: dict[str, tuple[int, int]] = field(default_factory=dict)


class PlatformMetrics(Collector):
    def __init__(
        self, service: str, pool: asyncpg.Pool, bus: EventBus, durables: Sequence[str]
    ) -> None:
        self.service, self.pool, self.bus, self.durables = service, pool, bus, list(durables)
        self.snapshot = Snapshot()

    async def refresh(self) -> None:
        """Ask Postgres and NATS (concurrently, each within QUERY_TIMEOUT)."""
        snap = Snapshot()
        await asyncio.gather(self._database(snap), self._nats(snap))
        self.snapshot = snap

    async def _database(self, snap: Snapshot) -> None:
        try:
            async with asyncio.timeout(QUERY_TIMEOUT):
                async with system_tx(self.pool) as conn:
                    row = await conn.fetchrow(_SCHEMA_QUERY)
                    dead = await conn.fetch(_DEAD_LETTERS_QUERY)
        except Exception as exc:
            log.debug("metrics: database query failed", extra={"error": repr(exc)})
            return
        assert row is not None
        snap.schema = {key: float(value) for key, value in row.items()}
        snap.dead_letters = {r["consumer"]: int(r["n"]) for r in dead}
        snap.database = True

    async def _nats(self, snap: Snapshot) -> None:
        if not self.bus.connected:
            return
        try:
            async with asyncio.timeout(QUERY_TIMEOUT):
                for durable in self.durables:
                    try:
                        info = await self.bus.js.consumer_info(STREAM, durable)
                    except Exception as exc:
                        if "not found" not in str(exc).lower():
                            raise
                        continue  # not created yet (its worker is starting)
                    snap.consumers[durable] = (
                        int(info.num_pending or 0),
                        int(info.num_ack_pending or 0),
                    )
        except Exception as exc:
            log.debug("metrics: consumer info failed", extra={"error": repr(exc)})
            return
        snap.nats = True

    def collect(self) -> Iterator[Metric]:
        snap, service = self.snapshot, [self.service]
        up = GaugeMetricFamily(
            "servelo_metrics_source_up",
            "Whether the last scrape could read the source (database, nats)",
            labels=["service", "source"],
        )
        up.add_metric([self.service, "database"], 1.0 if snap.database else 0.0)
        up.add_metric([self.service, "nats"], 1.0 if snap.nats else 0.0)
        yield up
        pool = self.pool
        size, idle = pool.get_size(), pool.get_idle_size()
        for name, doc, value in (
            ("servelo_db_pool_size", "Connections in the pool", size),
            ("servelo_db_pool_in_use", "Pool connections in use", size - idle),
            ("servelo_db_pool_waiting", "Callers waiting for a connection", _waiting(pool)),
        ):
            yield _gauge(name, doc, "service", [(service, value)])
        if snap.database:
            s = snap.schema
            for name, doc, key in (
                ("servelo_outbox_pending", "Outbox rows not yet published", "outbox_pending"),
                (
                    "servelo_outbox_oldest_pending_seconds",
                    "Age of the oldest unpublished outbox row",
                    "outbox_oldest",
                ),
                ("servelo_mail_queue_depth", "Unsent rows in mail_outbox", "mail_pending"),
                ("servelo_migrations_applied", "Migrations recorded", "migrations"),
            ):
                yield _gauge(name, doc, "service", [(service, s[key])])
            names = sorted({*self.durables, *snap.dead_letters})
            yield _gauge(
                "servelo_dead_letters",
                "Rows in dead_letters per consumer",
                "durable",
                [([d], snap.dead_letters.get(d, 0)) for d in names],
            )
        if snap.nats:
            yield _gauge(
                "servelo_consumer_pending",
                "Events in the stream not yet delivered to the consumer",
                "durable",
                [([d], p) for d, (p, _) in snap.consumers.items()],
            )
            yield _gauge(
                "servelo_consumer_ack_pending",
                "Events delivered, not yet acknowledged",
                "durable",
                [([d], a) for d, (_, a) in snap.consumers.items()],
            )


def _gauge(
    name: str, doc: str, label: str, samples: Sequence[tuple[list[str], float]]
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=[label])
    for labels, value in samples:
        family.add_metric(labels, float(value))
    return family


def _waiting(pool: asyncpg.Pool) -> int:
    return int(getattr(pool, "waiting", 0))
