"""The gateway's metrics and access log: plain numbers per request, Prometheus when scraped.

On the hot path (`request_done`, once per answered request) a request costs two dict
lookups, a `bisect` and a few integer additions: no prometheus-client call, no lock, no label
tuple. `GatewayCollector` turns the numbers (and the counters other parts keep: rate-limit
refusals, claims-cache hits, open connections) into families at scrape time, on the admin
listener (SERVELO_GATEWAY_ADMIN_PORT).

Labels (docs/operations.md): `service` is the service a request was routed to (`gateway`
for the gateway's own answers: probes, unknown hosts or paths); `route` the route prefix
(`/api/tickets`), `unmatched` when none matched.

The access log is sampled: one request in `sample` (and every 5xx) gets a line, so it stays
on in production at a cost that does not show in `make bench`; `SERVELO_ACCESS_LOG=true`
logs every request. The housekeeping's `traffic` line sums up every minute.
"""

from __future__ import annotations

from bisect import bisect_left
from time import monotonic
from typing import TYPE_CHECKING, Protocol

from servelo_common.logs import AccessLog
from servelo_common.metrics import (
    BUCKETS,
    UNMATCHED,
    Histograms,
    RequestMetrics,
    Series,
    method_label,
)

from gateway import tracing

if TYPE_CHECKING:
    from opentelemetry.trace import Span

    from gateway.decisions import Admission
    from gateway.headers import RequestHeaders

OWN = "gateway"  # the `service` of answers the gateway gives itself


class Finished(Protocol):
    """An exchange at its end (gateway.answer.Answer), as the metrics read it."""

    a: Admission
    h: RequestHeaders
    method: bytes
    request_id: bytes
    status: int
    local: bool
    started_at: float
    forwarded_at: float
    span: Span | None


class GatewayMetrics:
    __slots__ = ("access", "by_method", "countdown", "requests", "sample", "upstream")

    def __init__(self, sample: int = 100) -> None:
        self.requests = RequestMetrics()
        self.upstream = Histograms(
            "servelo_gateway_upstream_duration_seconds",
            "Time a service took to answer a proxied request",
            "service",
            (),
        )
        # method bytes -> route prefix (b"" when unmatched) -> series
        self.by_method: dict[bytes, dict[bytes, tuple[Series, Series | None]]] = {}
        self.sample = sample  # 1: every request, 0: none (5xx always)
        self.countdown = sample
        # Straight to the JSON handler, without a LogRecord (logging's findCaller and
        # record building cost several times the line itself).
        self.access = AccessLog("gateway.access")

    def request_done(self, ex: Finished) -> None:
        # Inlined Series.observe (twice): this runs for every request, ~0.7 µs in all.
        now = monotonic()
        route = ex.a.route
        try:
            requests, upstream = self.by_method[ex.method][b"" if route is None else route.prefix]
        except KeyError:
            requests, upstream = self._series(ex)
        status = ex.status
        seconds = now - ex.started_at
        requests.by_class[status // 100] += 1
        requests.buckets[bisect_left(BUCKETS, seconds)] += 1
        requests.total += seconds
        if upstream is not None and ex.forwarded_at and not ex.local:
            took = now - ex.forwarded_at
            upstream.buckets[bisect_left(BUCKETS, took)] += 1
            upstream.total += took
        self.countdown -= 1
        if status >= 500 or (self.countdown <= 0 and self.sample):
            if self.countdown <= 0:
                self.countdown = self.sample
            self._log(ex, seconds)

    def _series(self, ex: Finished) -> tuple[Series, Series | None]:
        """First request of a (method, route): bounded by the methods and the route table."""
        route = ex.a.route
        method = method_label(ex.method.decode("latin-1"))
        if route is None:
            pair: tuple[Series, Series | None] = (
                self.requests.get(OWN, UNMATCHED, method),
                None,
            )
        else:
            service = route.service.name
            upstream = self.upstream.series.get(service)
            if upstream is None:
                upstream = self.upstream.series[service] = Series()
            pair = (self.requests.get(service, route.prefix.decode(), method), upstream)
        # An unknown method is one "other" label, but never one dict entry per spelling.
        if method != "other" or len(self.by_method) < 16:
            self.by_method.setdefault(ex.method, {})[b"" if route is None else route.prefix] = pair
        return pair

    def _log(self, ex: Finished, seconds: float) -> None:
        a = ex.a
        route = a.route
        self.access.write(
            ex.request_id.decode("latin-1"),
            a.org_slug or None,
            {
                "method": ex.method.decode("latin-1"),
                "route": UNMATCHED if route is None else route.prefix.decode(),
                "path": a.path.decode("latin-1"),
                "status": ex.status,
                "ms": round(seconds * 1000, 3),
                "sampled": self.sample,
            },
            tracing.trace_id(ex.span, ex.h),
        )
