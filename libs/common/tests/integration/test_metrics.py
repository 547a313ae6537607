"""Prometheus `/metrics` of every running service and of the gateway, after real traffic:
route templates (never raw paths), status classes, the platform gauges, the gateway's own
families; and `/metrics` is on no public port."""

from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from servelo_dev.testing import Tenant, eventually
from servelo_dev.testing.factories import make_customer, make_ticket

Samples = list[tuple[str, dict[str, str], float]]


async def scrape(http: aiohttp.ClientSession, port: int) -> Samples:
    async with http.get(f"http://127.0.0.1:{port}/metrics") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain")
        text = await resp.text()
    return [
        (s.name, s.labels, s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
    ]


def value(samples: Samples, name: str, **labels: str) -> float:
    found = [v for n, lab, v in samples if n == name and labels.items() <= lab.items()]
    assert found, f"no {name} {labels}"
    return sum(found)


def metrics_port(stack: Any, name: str) -> int:
    return int(stack.stack.metrics_ports[name])


async def test_service_metrics_label_route_templates_and_status_classes(
    stack: Any, tenant: Tenant, http: aiohttp.ClientSession
) -> None:
    ticket = await make_ticket(tenant.admin)
    assert (await tenant.admin.get(f"/api/tickets/{ticket['id']}")).status == 200
    missing = "00000000-0000-4000-8000-000000000000"
    assert (await tenant.admin.get(f"/api/tickets/{missing}")).status == 404
    port = metrics_port(stack, "tickets")

    async def counted() -> Samples:
        samples = await scrape(http, port)
        requests = "servelo_http_requests_total"
        one = {"service": "tickets", "route": "/api/tickets/{id}", "method": "GET"}
        assert value(samples, requests, **one, status_class="2xx") >= 1
        assert value(samples, requests, **one, status_class="4xx") >= 1
        assert value(samples, requests, route="/api/tickets", method="POST") >= 1
        assert value(samples, "servelo_http_request_duration_seconds_count", **one) >= 2
        return samples

    samples = await eventually(counted, timeout=10)
    routes = {lab["route"] for n, lab, _ in samples if n == "servelo_http_requests_total"}
    assert not any(ticket["id"] in r or missing in r for r in routes), routes
    assert value(samples, "servelo_db_pool_size", service="tickets") >= 1
    assert value(samples, "servelo_db_pool_waiting", service="tickets") >= 0
    assert value(samples, "servelo_migrations_applied", service="tickets") >= 5
    assert value(samples, "servelo_outbox_pending", service="tickets") >= 0
    assert value(samples, "servelo_outbox_oldest_pending_seconds", service="tickets") >= 0
    assert value(samples, "servelo_mail_queue_depth", service="tickets") >= 0
    assert value(samples, "servelo_metrics_source_up", source="database") == 1
    assert value(samples, "servelo_metrics_source_up", source="nats") == 1


async def test_consumer_metrics_follow_an_event(
    stack: Any, tenant: Tenant, http: aiohttp.ClientSession
) -> None:
    port = metrics_port(stack, "team")
    before = await scrape(http, port)
    handled = "servelo_inbox_handled_total"
    start = sum(v for n, lab, v in before if n == handled and lab["durable"] == "team-customers")
    await make_customer(tenant.admin)

    async def consumed() -> Samples:
        samples = await scrape(http, port)
        assert value(samples, handled, durable="team-customers") > start
        return samples

    samples = await eventually(consumed, timeout=30)
    assert value(samples, "servelo_consumer_pending", durable="team-customers") >= 0
    assert value(samples, "servelo_consumer_ack_pending", durable="team-customers") >= 0
    assert value(samples, "servelo_dead_letters", durable="team-customers") >= 0
    crm = await scrape(http, metrics_port(stack, "crm"))
    assert value(crm, "servelo_relay_publish_errors_total", service="crm") >= 0
    assert value(crm, "servelo_http_requests_total", route="/api/customers", method="POST") >= 1


async def test_every_service_serves_metrics_on_its_own_port_only(
    stack: Any, http: aiohttp.ClientSession
) -> None:
    for service in stack.services:
        samples = await scrape(http, metrics_port(stack, service))
        assert value(samples, "servelo_db_pool_size", service=service) >= 1
        async with http.get(f"{stack.service_url(service)}/metrics") as resp:
            assert resp.status == 404, service


async def test_gateway_metrics_on_the_admin_listener_not_the_public_port(
    stack: Any, tenant: Tenant, http: aiohttp.ClientSession
) -> None:
    await make_ticket(tenant.admin)
    assert (await tenant.admin.get("/api/tickets")).status == 200
    assert (await tenant.anon.get("/api/tickets")).status == 401
    assert (await tenant.admin.get("/metrics")).status == 404
    async with http.get(f"{stack.gateway_url}/metrics") as resp:
        assert resp.status == 404
    port = metrics_port(stack, "gateway")

    async def counted() -> Samples:
        samples = await scrape(http, port)
        requests = "servelo_http_requests_total"
        ours = {"service": "tickets", "route": "/api/tickets", "method": "GET"}
        assert value(samples, requests, **ours, status_class="2xx") >= 1
        assert value(samples, requests, **ours, status_class="4xx") >= 1
        assert value(samples, requests, service="gateway", route="unmatched") >= 1
        assert value(samples, "servelo_gateway_upstream_duration_seconds_count", service="tickets")
        assert value(samples, "servelo_gateway_claims_cache_hits_total") >= 1
        return samples

    samples = await eventually(counted, timeout=10)
    assert value(samples, "servelo_gateway_claims_cache_misses_total") >= 1
    assert value(samples, "servelo_gateway_open_connections") >= 0
    rules = {lab["rule"] for n, lab, _ in samples if n.startswith("servelo_gateway_ratelimit")}
    assert {"ip", "tenant", "anonymous", "sign-in", "login"} <= rules
    async with http.get(f"http://127.0.0.1:{port}/readyz") as resp:
        assert resp.status == 200
