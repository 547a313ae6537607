"""Trace context through the outbox, the relay, NATS and a consumer, in-process: a
request's span -> outbox row -> publish span -> consumer span -> the handler's queries
and the event it emits. Tracing on uses the SDK's in-memory exporter."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

import asyncpg
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from servelo_common import tracing
from servelo_common.bus import EventBus
from servelo_common.consumer import Consumer, Subscription
from servelo_common.db import tenant_tx
from servelo_common.events import CloudEvent, DomainEvent, emit
from servelo_common.logs import trace_id_var
from servelo_common.relay import OutboxRelay
from servelo_dev.testing import eventually

CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT = f"00-{CLIENT_TRACE}-00f067aa0ba902b7-01"


class NoteTraced(DomainEvent):
    source: ClassVar[str] = "scratch"
    type: ClassVar[str] = "note-traced"
    body: str


class NoteAnswered(DomainEvent):
    source: ClassVar[str] = "scratch"
    type: ClassVar[str] = "note-answered"
    body: str


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    memory = InMemorySpanExporter()
    assert tracing.setup("scratch", processor=SimpleSpanProcessor(memory))
    yield memory
    tracing.teardown()


@pytest.fixture
async def wiring(
    stack: Any, pool: asyncpg.Pool, scratch: tuple[str, str]
) -> AsyncIterator[tuple[asyncpg.Pool, list[dict[str, Any]]]]:
    """Relay + a consumer whose handler emits an answer, as a service's handler would."""
    schema, _ = scratch
    bus = EventBus(stack.nats_url, name=schema)
    bus.start()
    await asyncio.wait_for(bus.wait_ready(), 10)
    handled: list[dict[str, Any]] = []

    async def handler(conn: asyncpg.Connection, event: CloudEvent) -> None:
        handled.append({"event": event, "trace_id": trace_id_var.get()})
        await emit(conn, NoteAnswered(body=event.data["body"]), tenant=event.tenant)

    relay = OutboxRelay(pool, bus, schema=schema)
    consumer = Consumer(
        pool,
        bus,
        service=schema,
        subscription=Subscription(name="notes", events=[NoteTraced.subject()], handler=handler),
    )
    relay.start()
    consumer.start()
    yield pool, handled
    await consumer.stop()
    await relay.stop()
    await bus.close()


async def outbox_row(pool: asyncpg.Pool, event_type: str, body: str) -> asyncpg.Record:
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT traceparent, event FROM outbox WHERE event->>'type' = $1"
            " AND event->'data'->>'body' = $2",
            event_type,
            body,
        )
    assert row is not None
    return row


def hex_ids(span: ReadableSpan) -> tuple[str, str]:
    assert span.context is not None
    return format(span.context.trace_id, "032x"), format(span.context.span_id, "016x")


async def test_one_trace_from_a_request_through_an_event_to_what_its_handler_emits(
    exporter: InMemorySpanExporter, wiring: tuple[asyncpg.Pool, list[dict[str, Any]]]
) -> None:
    pool, handled = wiring
    org, body = uuid.uuid4(), uuid.uuid4().hex
    with tracing.span(
        "POST /notes", kind=SpanKind.SERVER, parent=tracing.extract(CLIENT, "vendor=x")
    ) as request:
        async with tenant_tx(pool, org) as conn:
            await emit(conn, NoteTraced(body=body), tenant=org)
    request_span = format(request.get_span_context().span_id, "016x")

    row = await outbox_row(pool, "note-traced", body)
    assert row["traceparent"] == f"00-{CLIENT_TRACE}-{request_span}-01"
    assert row["event"]["traceparent"] == row["traceparent"]
    assert row["event"]["tracestate"] == "vendor=x"

    async def answered() -> asyncpg.Record:
        return await outbox_row(pool, "note-answered", body)

    answer = await eventually(answered, timeout=15)
    event_id = row["event"]["id"]

    def of_event(name: str) -> ReadableSpan:
        found = [
            s
            for s in exporter.get_finished_spans()
            if s.name == name and s.attributes and s.attributes.get("event_id") == event_id
        ]
        assert len(found) == 1, found
        return found[0]

    publish = of_event("publish servelo.events.scratch.note-traced")
    process = of_event("process servelo.events.scratch.note-traced")
    assert publish.kind is SpanKind.PRODUCER and process.kind is SpanKind.CONSUMER
    assert publish.parent is not None and process.parent is not None
    assert format(publish.parent.span_id, "016x") == request_span
    assert format(process.parent.span_id, "016x") == hex_ids(publish)[1]
    mine = [h for h in handled if h["event"].id == event_id]
    for s in (publish, process):
        assert hex_ids(s)[0] == CLIENT_TRACE
    # The handler's queries are children of the consumer span; its logs carry the trace id.
    queries = [
        s
        for s in exporter.get_finished_spans()
        if s.kind is SpanKind.CLIENT
        and s.parent
        and format(s.parent.span_id, "016x") == hex_ids(process)[1]
    ]
    assert any(s.name == "INSERT" for s in queries)
    assert mine[0]["trace_id"] == CLIENT_TRACE
    # The event the handler emitted carries the consumer span's context.
    assert answer["traceparent"] == f"00-{CLIENT_TRACE}-{hex_ids(process)[1]}-01"
    # Polling queries outside any span are not recorded (a trace each per second otherwise).
    assert all(
        s.parent is not None for s in exporter.get_finished_spans() if s.name != "POST /notes"
    )


async def test_off_passes_a_client_context_on_and_adds_none_of_its_own(
    wiring: tuple[asyncpg.Pool, list[dict[str, Any]]],
) -> None:
    assert tracing.tracer() is None
    pool, handled = wiring
    org = uuid.uuid4()
    with_client, without = uuid.uuid4().hex, uuid.uuid4().hex
    with tracing.continued(CLIENT, None):
        async with tenant_tx(pool, org) as conn:
            await emit(conn, NoteTraced(body=with_client), tenant=org)
    async with tenant_tx(pool, org) as conn:
        await emit(conn, NoteTraced(body=without), tenant=org)

    assert (await outbox_row(pool, "note-traced", with_client))["traceparent"] == CLIENT
    plain = await outbox_row(pool, "note-traced", without)
    assert plain["traceparent"] is None and "traceparent" not in plain["event"]

    async def both_answered() -> tuple[asyncpg.Record, asyncpg.Record]:
        return (
            await outbox_row(pool, "note-answered", with_client),
            await outbox_row(pool, "note-answered", without),
        )

    traced_answer, plain_answer = await eventually(both_answered, timeout=15)
    assert traced_answer["traceparent"] == CLIENT  # passed on unchanged, through NATS
    assert plain_answer["traceparent"] is None
    # (The shared stream also holds other tests' notes: this consumer starts from the first.)
    by_body = {h["event"].data["body"]: h["trace_id"] for h in handled}
    by_body = {b: t for b, t in by_body.items() if b in (with_client, without)}
    assert by_body == {with_client: CLIENT_TRACE, without: None}
