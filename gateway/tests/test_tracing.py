"""Trace context at the gateway: passed through untouched when tracing is off; with it on,
a server span per proxied request whose context replaces the client's upstream."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import orjson
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from servelo_common import logs

HOST = "acme.localhost"
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CLIENT = f"00-{TRACE}-00f067aa0ba902b7-01"


def forwarded(raw: bytes) -> dict[str, list[str]]:
    """The headers the upstream received, by lower-cased name."""
    seen: dict[str, list[str]] = {}
    for name, value in json.loads(raw.split(b"\r\n\r\n", 1)[1])["headers"]:
        seen.setdefault(name.lower(), []).append(value)
    return seen


async def call(gw: Any, raw_request: Any, token: str, extra: str = "") -> bytes:
    resp: bytes = await raw_request(
        gw.port,
        (
            f"GET /api/tickets/echo HTTP/1.1\r\nHost: {HOST}\r\n"
            f"Authorization: Bearer {token}\r\n{extra}\r\n"
        ).encode(),
    )
    assert resp.startswith(b"HTTP/1.1 200"), resp[:200]
    return resp


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
async def traced(gateway_factory: Any, exporter: InMemorySpanExporter) -> Any:
    gw = await gateway_factory()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    gw.gw.tracer = provider.get_tracer("test")
    return gw


def only_span(exporter: InMemorySpanExporter) -> ReadableSpan:
    spans = exporter.get_finished_spans()
    assert len(spans) == 1, spans
    return spans[0]


async def test_off_the_client_context_is_forwarded_unchanged(
    gateway_factory: Any, keys: Any, raw_request: Any
) -> None:
    gw = await gateway_factory()
    token = keys.token(sub="u1")
    seen = forwarded(
        await call(gw, raw_request, token, f"traceparent: {CLIENT}\r\ntracestate: v=1\r\n")
    )
    assert seen["traceparent"] == [CLIENT] and seen["tracestate"] == ["v=1"]
    assert "traceparent" not in forwarded(await call(gw, raw_request, token))


async def test_off_the_access_log_names_a_valid_client_trace(
    gateway_factory: Any,
    keys: Any,
    raw_request: Any,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gw = await gateway_factory(access_log=True)
    token = keys.token(sub="u1")
    # The access line goes straight to the JSON handler (gateway.metrics), not via logging.
    out = io.BytesIO()
    monkeypatch.setattr(logs, "_handler", logs.JsonHandler("gateway", out))
    with caplog.at_level(logging.INFO, logger="gateway.access"):
        await call(gw, raw_request, token, f"traceparent: {CLIENT}\r\n")
        await call(gw, raw_request, token, "traceparent: 00-junk-01\r\n")
    lines = [orjson.loads(line) for line in out.getvalue().splitlines()]
    ids = [line["trace_id"] for line in lines if line["logger"] == "gateway.access"]
    assert ids == [TRACE, None]


async def test_on_the_service_gets_the_gateway_span_as_parent_of_its_own(
    traced: Any, keys: Any, raw_request: Any, exporter: InMemorySpanExporter
) -> None:
    seen = forwarded(
        await call(
            traced,
            raw_request,
            keys.token(sub="u1"),
            f"traceparent: {CLIENT}\r\ntracestate: v=1\r\n",
        )
    )
    span = only_span(exporter)
    assert span.kind is SpanKind.SERVER and span.name == "GET /api/tickets"
    assert span.context is not None and span.parent is not None
    assert format(span.context.trace_id, "032x") == TRACE
    assert format(span.parent.span_id, "016x") == "00f067aa0ba902b7"
    assert seen["traceparent"] == [f"00-{TRACE}-{span.context.span_id:016x}-01"]
    assert seen["tracestate"] == ["v=1"]
    assert span.attributes is not None and span.attributes["http.response.status_code"] == 200


async def test_on_an_invalid_client_context_starts_a_new_trace_without_its_tracestate(
    traced: Any, keys: Any, raw_request: Any, exporter: InMemorySpanExporter
) -> None:
    bad = "00-00000000000000000000000000000000-00f067aa0ba902b7-01"
    seen = forwarded(
        await call(
            traced, raw_request, keys.token(sub="u1"), f"traceparent: {bad}\r\ntracestate: v=1\r\n"
        )
    )
    span = only_span(exporter)
    assert span.parent is None and span.context is not None
    assert seen["traceparent"] == [
        f"00-{span.context.trace_id:032x}-{span.context.span_id:016x}-{span.context.trace_flags:02x}"
    ]
    assert "tracestate" not in seen


async def test_on_a_request_without_context_starts_one_and_local_answers_have_none(
    traced: Any, keys: Any, raw_request: Any, exporter: InMemorySpanExporter
) -> None:
    seen = forwarded(await call(traced, raw_request, keys.token(sub="u1")))
    span = only_span(exporter)
    assert span.parent is None and span.context is not None
    assert seen["traceparent"] == [
        f"00-{span.context.trace_id:032x}-{span.context.span_id:016x}-{span.context.trace_flags:02x}"
    ]
    exporter.clear()
    refused = await raw_request(
        traced.port, f"GET /api/tickets/echo HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()
    )
    assert refused.startswith(b"HTTP/1.1 401")
    assert exporter.get_finished_spans() == ()
