"""Traces: OpenTelemetry, off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

`setup(component)` reads the standard OTel variables (endpoint, headers, sampler, batch
sizes, resource attributes) once at start. On: spans are exported over OTLP/HTTP protobuf;
requests (`TraceRequests`), asyncpg queries and handled events get spans, and every
event written to the outbox carries the CloudEvents distributed-tracing attributes
(`traceparent`, `tracestate`) of the span it was emitted in. Off: nothing is recorded, but
a context a client (or an upstream event) brought is passed on unchanged, like any
intermediary that does not take part, and its trace id still goes into the logs.

The one context of the work in progress lives in contextvars: OpenTelemetry's own (on)
or `_passthrough` (off); `logs.trace_id_var` mirrors its trace id for the log lines.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult
from opentelemetry.sdk.trace.sampling import _get_from_env_or_default as sampler_from_env
from opentelemetry.trace import Link, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import Attributes
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servelo_common.logs import trace_id_var

log = logging.getLogger("servelo.tracing")

# W3C Trace Context, version 00 (a later version's first four fields parse the same way).
_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?")
_ZERO_TRACE = "0" * 32
_ZERO_SPAN = "0" * 16
_PROPAGATOR = TraceContextTextMapPropagator()
# Off: the (traceparent, tracestate) a client or an event brought, passed on unchanged.
_passthrough: contextvars.ContextVar[tuple[str, str | None] | None] = contextvars.ContextVar(
    "traceparent", default=None
)
_tracer: Tracer | None = None
_provider: TracerProvider | None = None


def valid_traceparent(value: str | None) -> str | None:
    """The trace id of a well-formed `traceparent`, else None (W3C: not version ff, ids not
    all zeros; a version-00 header has nothing after the flags)."""
    if not value or len(value) > 512:
        return None
    match = _TRACEPARENT.fullmatch(value)
    if match is None:
        return None
    version, trace_id, span_id, _, rest = match.groups()
    if version == "ff" or trace_id == _ZERO_TRACE or span_id == _ZERO_SPAN:
        return None
    if version == "00" and rest:
        return None
    return trace_id


def enabled_by_env(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if env.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "none":
        return False
    return bool(
        env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


class _NoOrphanClientSpans(Sampler):
    """The sampler of the OTel variables, except that a client span with no parent is not
    recorded: the outbox relay's and the mail sender's polling queries would otherwise be
    a one-span trace each, every second, in every service."""

    def __init__(self, inner: Sampler) -> None:
        self.inner = inner

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: trace.TraceState | None = None,
    ) -> SamplingResult:
        if kind is SpanKind.CLIENT and not (
            trace.get_current_span(parent_context).get_span_context().is_valid
        ):
            return SamplingResult(Decision.DROP)
        return self.inner.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"NoOrphanClientSpans{{{self.inner.get_description()}}}"


def setup(component: str, *, processor: SpanProcessor | None = None) -> bool:
    """Turn tracing on for this process when the OTel variables say so (or with an explicit
    span `processor`, for tests); True when on. Idempotent."""
    global _tracer, _provider
    if _tracer is not None:
        return True
    if processor is None:
        if not enabled_by_env():
            return False
        # Imported only when on: the exporter pulls in protobuf and requests.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processor = BatchSpanProcessor(OTLPSpanExporter())
    resource = Resource.create(
        {
            "service.name": os.environ.get("OTEL_SERVICE_NAME") or component,
            "service.namespace": "servelo",
        }
    )
    # OTEL_TRACES_SAMPLER / _ARG, read as the SDK's default provider reads them.
    _provider = TracerProvider(resource=resource, sampler=_NoOrphanClientSpans(sampler_from_env()))
    _provider.add_span_processor(processor)
    _tracer = _provider.get_tracer("servelo")
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    AsyncPGInstrumentor().instrument(tracer_provider=_provider)  # type: ignore[no-untyped-call]
    log.info("tracing on", extra={"sampler": _provider.sampler.get_description()})
    return True


def teardown() -> None:
    """Tracing off again: tests turn it on in-process, with an in-memory exporter."""
    global _tracer, _provider
    if _provider is None:
        return
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    AsyncPGInstrumentor().uninstrument()  # type: ignore[no-untyped-call]
    _provider.shutdown()
    _tracer = _provider = None


def tracer() -> Tracer | None:
    """The tracer when tracing is on, else None (callers skip all span work)."""
    return _tracer


def extract(traceparent: str | None, tracestate: str | None) -> Context | None:
    """The remote parent a valid `traceparent` names (None: start a new trace)."""
    if valid_traceparent(traceparent) is None:
        return None
    carrier = {"traceparent": traceparent or ""}
    if tracestate:
        carrier["tracestate"] = tracestate
    return _PROPAGATOR.extract(carrier)


def current_context() -> dict[str, str]:
    """The `traceparent` (and `tracestate`) of the work in progress, for an event or a
    message: the current span when on, the context passed through when off; {} if none."""
    if _tracer is not None:
        carrier: dict[str, str] = {}
        _PROPAGATOR.inject(carrier)
        return carrier
    passed = _passthrough.get()
    if passed is None:
        return {}
    traceparent, tracestate = passed
    return (
        {"traceparent": traceparent, "tracestate": tracestate}
        if tracestate
        else {"traceparent": traceparent}
    )


@contextlib.contextmanager
def continued(traceparent: str | None, tracestate: str | None = None) -> Iterator[None]:
    """Off: make a received context the one passed on (and logged) within the block."""
    trace_id = valid_traceparent(traceparent)
    if trace_id is None:
        yield
        return
    assert traceparent is not None
    # W3C lets an intermediary drop a tracestate past 512 characters: not into every event.
    kept = tracestate if tracestate and len(tracestate) <= 512 else None
    token = _passthrough.set((traceparent, kept))
    log_token = trace_id_var.set(trace_id)
    try:
        yield
    finally:
        trace_id_var.reset(log_token)
        _passthrough.reset(token)


@contextlib.contextmanager
def span(
    name: str,
    *,
    kind: SpanKind,
    parent: Context | None,
    attributes: dict[str, Any] | None = None,
    links: Sequence[Link] = (),
) -> Iterator[trace.Span]:
    """A span made current (tracing on only), its trace id in the logs within it; an
    exception escaping it marks the span failed and goes on."""
    assert _tracer is not None
    with _tracer.start_as_current_span(
        name,
        context=parent,
        kind=kind,
        attributes=attributes,
        links=links,
        record_exception=True,
        set_status_on_exception=True,
    ) as current:
        context = current.get_span_context()
        log_token = trace_id_var.set(format(context.trace_id, "032x") if context.is_valid else None)
        try:
            yield current
        finally:
            trace_id_var.reset(log_token)


def set_error(current: trace.Span, description: str) -> None:
    current.set_status(Status(StatusCode.ERROR, description))


def record_failure(exc: BaseException) -> None:
    """Mark the current span failed by `exc` (a handler's error that was caught)."""
    if _tracer is not None:
        current = trace.get_current_span()
        current.record_exception(exc)
        set_error(current, type(exc).__qualname__)


_PROBES = frozenset({"/healthz", "/readyz"})


class TraceRequests:
    """Pure ASGI, outermost: a server span per request (`<method> <route template>`) whose
    parent is the caller's `traceparent` (the gateway's span); off, the caller's context is
    only passed on and logged. Probes get no span: they would be a trace every few seconds."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        traceparent = tracestate = None
        for key, value in scope["headers"]:
            if key == b"traceparent":
                traceparent = value.decode("latin-1")
            elif key == b"tracestate":
                tracestate = value.decode("latin-1")
        if _tracer is None:
            if traceparent is None:
                await self.app(scope, receive, send)
                return
            with continued(traceparent, tracestate):
                await self.app(scope, receive, send)
            return
        if scope["path"] in _PROBES:
            await self.app(scope, receive, send)
            return
        await self._traced(scope, receive, send, extract(traceparent, tracestate))

    async def _traced(
        self, scope: Scope, receive: Receive, send: Send, parent: Context | None
    ) -> None:
        method = scope["method"]
        status = 0

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        attributes = {"http.request.method": method, "url.path": scope["path"]}
        with span(method, kind=SpanKind.SERVER, parent=parent, attributes=attributes) as current:
            try:
                await self.app(scope, receive, send_status)
            finally:
                template = getattr(scope.get("route"), "path", None)
                if isinstance(template, str):
                    current.update_name(f"{method} {template}")
                    current.set_attribute("http.route", template)
                if status:
                    current.set_attribute("http.response.status_code", status)
                if status >= 500:
                    set_error(current, str(status))


@dataclass(frozen=True)
class Delivered:
    """What tracing needs of one delivered event: where it came and the contexts it carries
    (its own `traceparent` attribute, and the message header of the latest hop)."""

    subject: str
    event_id: str
    event_type: str
    traceparent: str | None
    tracestate: str | None
    header: str | None

    @property
    def parent(self) -> str | None:
        # The message header is the latest hop (the relay's publish span), same trace.
        return self.header if valid_traceparent(self.header) else self.traceparent


def _processing(consumer: str, context: Delivered) -> dict[str, Any]:
    """A consumer span's attributes for one event (OpenTelemetry's messaging conventions)."""
    return {
        "messaging.system": "nats",
        "messaging.operation.type": "process",
        "messaging.destination.name": context.subject,
        "messaging.consumer.group.name": consumer,
        "messaging.message.id": context.event_id,
        "event_id": context.event_id,
        "event_type": context.event_type,
    }


@contextlib.contextmanager
def handling(*, consumer: str, context: Delivered) -> Iterator[None]:
    """Around one delivered event: a consumer span (on) whose parent is the message's
    `traceparent` header (the relay's publish span) or else the event's own attribute, so
    the handler's queries and the events it emits are in the trace that caused it."""
    if _tracer is None:
        with continued(context.parent, context.tracestate):
            yield
        return
    with span(
        f"process {context.subject}",
        kind=SpanKind.CONSUMER,
        parent=extract(context.parent, context.tracestate),
        attributes=_processing(consumer, context),
    ):
        yield


@contextlib.contextmanager
def handling_batch(*, consumer: str, contexts: Sequence[Delivered]) -> Iterator[None]:
    """Around events handled together (tracing on): one consumer span for the batch, in a
    trace of its own and linked to each event's context, as OpenTelemetry's messaging
    conventions do for a batch (it has many parents, so it is the child of none); its
    queries are its children. And each event keeps a consumer span in its own trace, the
    child of its context as on the single path, linked to the batch span and ended with it,
    so following a request's trace still leads to the batch that recorded its event. Off:
    no single context to pass on."""
    if _tracer is None:
        yield
        return
    parents = [extract(c.parent, c.tracestate) for c in contexts]
    links = [
        Link(context)
        for found in parents
        if found is not None
        and (context := trace.get_current_span(found).get_span_context()).is_valid
    ]
    attributes = {
        "messaging.system": "nats",
        "messaging.operation.type": "process",
        "messaging.consumer.group.name": consumer,
        "messaging.batch.message_count": len(contexts),
    }
    with span(
        "process batch", kind=SpanKind.CONSUMER, parent=None, attributes=attributes, links=links
    ) as batch:
        to_batch = [Link(batch.get_span_context())]
        each = [
            _tracer.start_span(
                f"process {c.subject}",
                # No context of its own: in the batch's trace, under it.
                context=parent,
                kind=SpanKind.CONSUMER,
                links=to_batch,
                attributes=_processing(consumer, c),
            )
            for c, parent in zip(contexts, parents, strict=True)
        ]
        try:
            yield
        except BaseException as exc:
            for one in each:
                one.record_exception(exc)
                set_error(one, type(exc).__name__)
            raise
        finally:
            for one in each:
                one.end()


def publish_headers(
    *, subject: str, event_id: str, traceparent: str | None, tracestate: str | None
) -> tuple[dict[str, str], contextlib.AbstractContextManager[Any]]:
    """The relay's tracing for one outbox row: the message's `traceparent` header and the
    block to publish in. On: a producer span in the event's trace, named by the header.
    Off: the event's own context, unchanged. No context: nothing (no trace is started)."""
    if valid_traceparent(traceparent) is None:
        return {}, contextlib.nullcontext()
    assert traceparent is not None
    if _tracer is None:
        return {"traceparent": traceparent}, contextlib.nullcontext()
    producer = _tracer.start_span(
        f"publish {subject}",
        context=extract(traceparent, tracestate),
        kind=SpanKind.PRODUCER,
        attributes={
            "messaging.system": "nats",
            "messaging.operation.type": "send",
            "messaging.destination.name": subject,
            "messaging.message.id": event_id,
            "event_id": event_id,
        },
    )
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier, context=trace.set_span_in_context(producer))
    return carrier, trace.use_span(producer, end_on_exit=True)
