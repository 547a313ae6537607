"""The gateway's span per proxied request, and the trace context it forwards.

Off (no `OTEL_EXPORTER_OTLP_ENDPOINT`), the gateway takes no part: a client's `traceparent`
and `tracestate` are forwarded unchanged like any end-to-end header, and the access log
names a valid one's trace id. On, every proxied request gets a server span, child of the
client's `traceparent` when it is valid (else a new trace; an invalid one is dropped with
its `tracestate`), and the service receives the gateway span's `traceparent` instead: the
service's span is its child. Local answers (probes, 401, 429) get no span.

The exchange calls `start` when it forwards and `finish` when it is done; nothing here runs
per request while tracing is off (`Gateway.tracer` is None).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from servelo_common import tracing

if TYPE_CHECKING:
    from gateway.decisions import Admission
    from gateway.headers import RequestHeaders

_TRACE_FIELDS = (b"traceparent:", b"tracestate:")


def setup() -> Tracer | None:
    """The tracer when the OTel variables turn tracing on, else None."""
    tracing.setup("gateway")
    return tracing.tracer()


def start(tracer: Tracer, a: Admission, request_id: bytes) -> Span:
    """The request's span, and its `traceparent` in place of the client's among the
    forwarded header lines."""
    h = a.h
    route = a.route
    assert route is not None
    parent = None
    if h.traceparent is not None:
        parent = tracing.extract(
            h.traceparent.decode("latin-1"),
            h.tracestate.decode("latin-1") if h.tracestate is not None else None,
        )
    method = a.method.decode("latin-1")
    span = tracer.start_span(
        f"{method} {route.prefix.decode('latin-1')}",
        context=parent,
        kind=SpanKind.SERVER,
        attributes={
            "http.request.method": method,
            "url.path": a.path.decode("latin-1"),
            "client.address": a.client_ip,
            "servelo.org": a.org_slug,
            "servelo.service": route.service.name,
            "servelo.request_id": request_id.decode("latin-1"),
        },
    )
    # A client's context is replaced by ours; its tracestate goes on only with a valid parent.
    drop = _TRACE_FIELDS if parent is None else _TRACE_FIELDS[:1]
    if h.traceparent is not None or h.tracestate is not None:
        h.forwarded = [ln for ln in h.forwarded if not ln[:12].lower().startswith(drop)]
    context = span.get_span_context()
    h.forwarded.append(
        b"traceparent: 00-%032x-%016x-%02x\r\n"
        % (context.trace_id, context.span_id, context.trace_flags)
    )
    return span


def finish(span: Span, status: int) -> None:
    if status:
        span.set_attribute("http.response.status_code", status)
    if status >= 500 or not status:
        span.set_status(Status(StatusCode.ERROR, str(status or "no answer")))
    span.end()


def trace_id(span: Span | None, h: RequestHeaders) -> str | None:
    """For the access log: the span's trace id, or (off) a valid client traceparent's."""
    if span is not None:
        return format(span.get_span_context().trace_id, "032x")
    if h.traceparent is None:
        return None
    return tracing.valid_traceparent(h.traceparent.decode("latin-1"))
