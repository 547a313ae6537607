"""Trace context parsing, what is passed on when tracing is off, and a batch's span."""

import uuid

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from servelo_common import tracing
from servelo_common.logs import trace_id_var

VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "garbage",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  # zero span id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  # version ff
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  # upper case
        VALID + "-extra",  # version 00 ends at the flags
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  # short
    ],
)
def test_malformed_traceparent_is_refused(value: str) -> None:
    assert tracing.valid_traceparent(value) is None


def test_valid_traceparent_gives_its_trace_id() -> None:
    assert tracing.valid_traceparent(VALID) == "4bf92f3577b34da6a3ce929d0e0e4736"
    # A later version may append fields; its first four parse the same.
    assert tracing.valid_traceparent("01-" + VALID[3:] + "-what") is not None


def test_off_passes_a_received_context_on_unchanged_and_logs_its_trace_id() -> None:
    assert tracing.tracer() is None
    assert tracing.current_context() == {}
    with tracing.continued(VALID, "vendor=x"):
        assert tracing.current_context() == {"traceparent": VALID, "tracestate": "vendor=x"}
        assert trace_id_var.get() == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert tracing.current_context() == {}
    assert trace_id_var.get() is None


def test_off_drops_an_oversized_tracestate() -> None:
    with tracing.continued(VALID, "v=" + "x" * 600):
        assert tracing.current_context() == {"traceparent": VALID}


def test_off_ignores_a_malformed_context() -> None:
    with tracing.continued("00-zz-yy-01", "vendor=x"):
        assert tracing.current_context() == {}
        assert trace_id_var.get() is None


@pytest.mark.parametrize(
    ("environ", "on"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"}, False),
    ],
)
def test_on_only_with_an_otlp_endpoint(environ: dict[str, str], on: bool) -> None:
    assert tracing.enabled_by_env(environ) is on


def delivered(traceparent: str | None, header: str | None = None) -> tracing.Delivered:
    return tracing.Delivered(
        subject="servelo.events.scratch.note-written",
        event_id=str(uuid.uuid4()),
        event_type="note-written",
        traceparent=traceparent,
        tracestate=None,
        header=header,
    )


def test_a_batch_span_links_every_event_and_each_event_keeps_a_span_in_its_trace() -> None:
    memory = InMemorySpanExporter()
    assert tracing.setup("scratch", processor=SimpleSpanProcessor(memory))
    first = "00-11111111111111111111111111111111-1111111111111111-01"
    second = "00-22222222222222222222222222222222-2222222222222222-01"
    relayed = "00-33333333333333333333333333333333-3333333333333333-01"
    try:
        contexts = [delivered(first), delivered(second, header=relayed), delivered("garbage")]
        with tracing.handling_batch(consumer="scratch-notes", contexts=contexts):
            pass
    finally:
        tracing.teardown()
    spans = memory.get_finished_spans()
    (batch,) = [s for s in spans if s.name == "process batch"]
    assert batch.kind == SpanKind.CONSUMER and batch.parent is None
    assert batch.attributes is not None
    assert batch.attributes["messaging.batch.message_count"] == 3
    # The message header is the latest hop (the relay's publish span): the link goes there.
    linked = [(f"{k.context.trace_id:032x}", f"{k.context.span_id:016x}") for k in batch.links]
    assert linked == [("1" * 32, "1" * 16), ("3" * 32, "3" * 16)]
    assert f"{batch.context.trace_id:032x}" not in {"1" * 32, "3" * 32}
    each = [s for s in spans if s.name != "process batch"]
    assert [s.attributes["event_id"] for s in each if s.attributes] == [
        c.event_id for c in contexts
    ]
    parents = [(f"{s.parent.trace_id:032x}", f"{s.parent.span_id:016x}") for s in each if s.parent]
    # Each in its event's trace; the one without a context under the batch.
    assert parents[:2] == [("1" * 32, "1" * 16), ("3" * 32, "3" * 16)]
    assert each[2].parent is not None and each[2].parent.span_id == batch.context.span_id
    assert all([k.context.span_id for k in s.links] == [batch.context.span_id] for s in each)


def test_off_a_batch_passes_no_context_on() -> None:
    with tracing.handling_batch(consumer="scratch-notes", contexts=[delivered(VALID)]):
        assert tracing.current_context() == {}
