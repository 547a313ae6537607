"""One trace across the real platform: a ticket created through the gateway with a client
`traceparent`, on a platform of its own whose every process exports to a real OTLP
receiver on loopback: gateway span -> tickets' server span -> its queries (the outbox
insert among them) -> the relay's publish span -> webhooks' consumer span -> its writes.
And, on the session's platform (tracing off), only a client's own context reaches the outbox."""

import asyncio
import os
import secrets
import signal
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from servelo_dev.devstack.stack import available_services
from servelo_dev.testing import eventually
from servelo_dev.testing.otlp import OtlpReceiver, ReceivedSpan
from servelo_dev.testing.plugin import TestStack, make_tenant, running_platform

SERVICES = ["auth", "tickets", "webhooks"]


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    found = OtlpReceiver()
    found.start()
    yield found
    found.stop()


@pytest.fixture(scope="module")
def traced_stack(receiver: OtlpReceiver) -> Iterator[TestStack]:
    if available_services(",".join(SERVICES)) != SERVICES:
        pytest.skip("needs auth, tickets and webhooks")
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "200",  # ms: spans reach the receiver promptly
    }
    # Embedded servers of its own: its durable consumers must not meet the session's.
    with running_platform(
        prefix="servelo-traced-", external=False, pg_fast=True, services=SERVICES, env=env
    ) as platform:
        yield platform


def one(spans: list[ReceivedSpan], **match: str) -> ReceivedSpan:
    found = [s for s in spans if all(getattr(s, k) == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def client_context() -> tuple[str, str, str]:
    trace_id, parent = secrets.token_hex(16), secrets.token_hex(8)
    return trace_id, parent, f"00-{trace_id}-{parent}-01"


async def outbox_traceparent(dsn: str, ticket_id: str) -> Any:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(
            "SELECT traceparent FROM tickets.outbox WHERE event->>'subject' = $1"
            " AND event->>'type' = 'ticket-created'",
            ticket_id,
        )
    finally:
        await conn.close()


@pytest.mark.slow
@pytest.mark.timeout(420)
async def test_one_trace_from_the_gateway_through_tickets_and_an_event_to_webhooks(
    traced_stack: TestStack, receiver: OtlpReceiver, http: Any
) -> None:
    tenant = await make_tenant(traced_stack, http)
    trace_id, parent, traceparent = client_context()
    created = await tenant.admin.post(
        "/api/tickets", json={"title": "Traced tap"}, headers={"traceparent": traceparent}
    )
    assert created.status == 201, created
    ticket_id = created.json["id"]

    async def whole_trace() -> dict[str, ReceivedSpan]:
        spans = receiver.trace(trace_id)
        gateway = one(spans, service="gateway", kind="server")
        server = one(spans, service="tickets", kind="server")
        publish = one(spans, name="publish servelo.events.tickets.ticket-created")
        consumer = one(spans, service="webhooks", kind="consumer")
        # Alone, the event's writes are its consumer span's children; taken in a batch
        # with other events (docs/events.md, "Together"), the batch span's, which the
        # consumer span links to and which links back to the event's context.
        homes = {consumer.span_id}
        for linked_trace, linked_span in consumer.links:
            batch = receiver.span(linked_span)
            assert batch is not None and batch.name == "process batch", consumer.links
            assert (trace_id, publish.span_id) in batch.links
            homes.add(linked_span)
            spans = spans + receiver.trace(linked_trace)
        writes = [s for s in spans if s.service == "webhooks" and s.parent_id in homes]
        assert writes
        return {"gateway": gateway, "server": server, "publish": publish, "consumer": consumer}

    found = await eventually(whole_trace, timeout=60, interval=0.5)
    spans = receiver.trace(trace_id)
    gateway, server = found["gateway"], found["server"]
    assert gateway.parent_id == parent and gateway.name == "POST /api/tickets"
    assert server.parent_id == gateway.span_id and server.name == "POST /api/tickets"
    assert server.attributes["http.response.status_code"] == 201
    queries = [s for s in spans if s.service == "tickets" and s.kind == "client"]
    assert all(q.parent_id == server.span_id for q in queries)
    assert any("INTO outbox" in str(v) for q in queries for v in q.attributes.values())
    publish, consumer = found["publish"], found["consumer"]
    assert publish.service == "tickets" and publish.parent_id == server.span_id
    assert consumer.parent_id == publish.span_id
    assert consumer.attributes["event_id"] == publish.attributes["event_id"]
    assert consumer.name == "process servelo.events.tickets.ticket-created"
    # The outbox row holds the context the event was emitted in: tickets' server span.
    stored = await outbox_traceparent(traced_stack.admin_dsn, ticket_id)
    assert stored == f"00-{trace_id}-{server.span_id}-01"
    # Integrators never see our tracing attributes in the feed.
    feed = await tenant.admin.get("/api/events")
    assert feed.status == 200, feed
    mine = [e for e in feed.json if e["subject"] == ticket_id]
    assert mine and all("traceparent" not in e and "tracestate" not in e for e in mine)


async def test_tracing_off_only_a_clients_own_context_reaches_the_outbox(
    stack: TestStack, tenant: Any
) -> None:
    if "tickets" not in stack.services:
        pytest.skip("tickets not running")
    _, _, traceparent = client_context()
    with_context = await tenant.admin.post(
        "/api/tickets", json={"title": "Traced tap"}, headers={"traceparent": traceparent}
    )
    without = await tenant.admin.post("/api/tickets", json={"title": "Plain tap"})
    assert with_context.status == without.status == 201
    assert await outbox_traceparent(stack.admin_dsn, with_context.json["id"]) == traceparent
    assert await outbox_traceparent(stack.admin_dsn, without.json["id"]) is None


async def published(dsn: str, ticket_ids: list[str]) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        count = await conn.fetchval(
            "SELECT count(*) FROM tickets.outbox WHERE event->>'subject' = ANY($1::text[])"
            " AND event->>'type' = 'ticket-created' AND published_at IS NOT NULL",
            ticket_ids,
        )
    finally:
        await conn.close()
    assert count == len(ticket_ids)


@pytest.mark.slow
@pytest.mark.timeout(420)
async def test_events_recorded_in_one_batch_each_keep_a_consumer_span_in_their_trace(
    traced_stack: TestStack, receiver: OtlpReceiver, http: Any
) -> None:
    """Webhooks is stopped (SIGSTOP) while three tickets are created, so that its consumer
    finds their events waiting and records them together: each request's trace still has
    webhooks' consumer span, linked to the one batch span, whose children are the writes."""
    tenant = await make_tenant(traced_stack, http)
    webhooks = traced_stack.stack.processes["webhooks"].proc
    contexts = [client_context() for _ in range(3)]
    os.kill(webhooks.pid, signal.SIGSTOP)
    try:
        await asyncio.sleep(1.5)  # a fetch it had asked for expires (1 s) with nothing in it
        ids = []
        for _, _, traceparent in contexts:
            created = await tenant.admin.post(
                "/api/tickets", json={"title": "Batched tap"}, headers={"traceparent": traceparent}
            )
            assert created.status == 201, created
            ids.append(created.json["id"])
        await eventually(lambda: published(traced_stack.admin_dsn, ids), timeout=20)
    finally:
        os.kill(webhooks.pid, signal.SIGCONT)

    async def consumer_spans() -> list[ReceivedSpan]:
        return [one(receiver.trace(t), service="webhooks", kind="consumer") for t, _, _ in contexts]

    consumers = await eventually(consumer_spans, timeout=60, interval=0.5)
    batched = [c for c in consumers if c.links]
    # The first may have come alone, had a fetch been on its way when webhooks stopped.
    assert len(batched) >= 2, consumers
    batch_ids = {span_id for c in batched for _, span_id in c.links}
    assert len(batch_ids) == 1
    batch = receiver.span(batch_ids.pop())
    assert batch is not None and batch.name == "process batch"
    assert batch.attributes["messaging.batch.message_count"] >= len(batched)
    writes = [s for s in receiver.trace(batch.trace_id) if s.parent_id == batch.span_id]
    assert any("INTO deliveries" in str(v) for w in writes for v in w.attributes.values())
