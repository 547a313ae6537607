"""The platform gauges of a scrape when Postgres or NATS is away: left out and reported by
`servelo_metrics_source_up`, never a failed scrape (real Postgres; a NATS that is not there)."""

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from servelo_common.bus import EventBus
from servelo_common.db import create_pool
from servelo_common.platform_metrics import PlatformMetrics


def families(metrics: PlatformMetrics) -> dict[str, list[tuple[dict[str, str], float]]]:
    registry = CollectorRegistry()
    registry.register(metrics)
    text = generate_latest(registry).decode()
    return {
        f.name: [(s.labels, s.value) for s in f.samples]
        for f in text_string_to_metric_families(text)
    }


async def test_scrape_leaves_out_what_a_dependency_that_is_down_would_say(
    scratch: tuple[str, str],
) -> None:
    schema, dsn = scratch
    pool = await create_pool(dsn, schema=schema, application_name=schema)
    bus = EventBus("nats://127.0.0.1:1", name=schema)  # never connects
    metrics = PlatformMetrics(schema, pool, bus, [f"{schema}-things"])
    try:
        await metrics.refresh()
        found = families(metrics)
        up = {labels["source"]: value for labels, value in found["servelo_metrics_source_up"]}
        assert up == {"database": 1.0, "nats": 0.0}
        assert found["servelo_outbox_pending"] == [({"service": schema}, 0.0)]
        assert found["servelo_migrations_applied"][0][1] >= 4  # the platform's own
        assert found["servelo_dead_letters"] == [({"durable": f"{schema}-things"}, 0.0)]
        assert "servelo_consumer_pending" not in found
    finally:
        await pool.close()
    await metrics.refresh()  # the pool is closed now: as if Postgres were gone
    found = families(metrics)
    up = {labels["source"]: value for labels, value in found["servelo_metrics_source_up"]}
    assert up == {"database": 0.0, "nats": 0.0}
    assert "servelo_outbox_pending" not in found
    assert "servelo_db_pool_size" in found
