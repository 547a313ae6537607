"""Prometheus metrics: request counters and latency histograms kept as plain numbers.

A request costs a dict lookup, a `bisect` and three integer additions; prometheus-client's
own `Histogram.labels(...).observe()` takes a lock and builds label tuples on every call,
several times that. The numbers become Prometheus families only when scraped, through a
custom collector (`RequestMetrics.collect`). The gateway and every service use this one
implementation (names and labels: docs/operations.md, "Metrics").

Counters of rare things (relay publish errors, failed mail, handled events) are ordinary
prometheus-client counters, below.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

# Seconds; a service answer is usually 1-50 ms, the gateway's own work well under 1 ms.
BUCKETS: tuple[float, ...] = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
)
_LE = [repr(b) for b in BUCKETS] + ["+Inf"]
# A client may send any token as a method: anything else is one label, not a new series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # requests that matched no route: one label, never the raw path


def method_label(method: str) -> str:
    return method if method in METHODS else "other"


class Series:
    """One label set: answers per status class and a latency histogram. The hot paths may
    update the lists inline (`by_class[status // 100]`, `buckets[bisect_left(BUCKETS, s)]`)."""

    __slots__ = ("buckets", "by_class", "total")

    def __init__(self) -> None:
        # Indexed by status // 100 (a parsed status is 100-999): no range check per request.
        self.by_class = [0] * 10
        self.buckets = [0] * (len(BUCKETS) + 1)
        self.total = 0.0

    def observe(self, status: int, seconds: float) -> None:
        self.by_class[status // 100 if 0 <= status < 1000 else 5] += 1
        self.buckets[bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds

    def classes(self) -> list[tuple[str, int]]:
        """Answers per status class; anything outside 1xx-4xx counts as 5xx."""
        c = self.by_class
        return [
            ("1xx", c[1]),
            ("2xx", c[2]),
            ("3xx", c[3]),
            ("4xx", c[4]),
            ("5xx", c[0] + sum(c[5:])),
        ]


def histogram_samples(series: Series) -> tuple[list[tuple[str, float]], float]:
    cumulative, running = [], 0
    for le, count in zip(_LE, series.buckets, strict=True):
        running += count
        cumulative.append((le, float(running)))
    return cumulative, series.total


class RequestMetrics(Collector):
    """`servelo_http_requests_total` and `servelo_http_request_duration_seconds`, by
    (service, route, method); `route` is a template or prefix, never a raw path."""

    def __init__(self) -> None:
        self.series: dict[tuple[str, str, str], Series] = {}

    def get(self, service: str, route: str, method: str) -> Series:
        key = (service, route, method)
        series = self.series.get(key)
        if series is None:
            series = self.series[key] = Series()
        return series

    def collect(self) -> Iterator[Metric]:
        labels = ["service", "route", "method"]
        requests = CounterMetricFamily(
            "servelo_http_requests", "Requests answered", labels=[*labels, "status_class"]
        )
        duration = HistogramMetricFamily(
            "servelo_http_request_duration_seconds", "Time to answer", labels=labels
        )
        for key, series in list(self.series.items()):
            for cls, count in series.classes():
                if count:
                    requests.add_metric([*key, cls], count)
            buckets, total = histogram_samples(series)
            duration.add_metric(list(key), buckets, total)
        yield requests
        yield duration


class Histograms(Collector):
    """A histogram family by one label, as plain numbers (the gateway's upstream times)."""

    def __init__(self, name: str, documentation: str, label: str, values: Sequence[str]) -> None:
        self.name, self.documentation, self.label = name, documentation, label
        self.series = {value: Series() for value in values}

    def collect(self) -> Iterator[Metric]:
        family = HistogramMetricFamily(self.name, self.documentation, labels=[self.label])
        for value, series in self.series.items():
            buckets, total = histogram_samples(series)
            family.add_metric([value], buckets, total)
        yield family


# No `_created` series next to each counter: nothing here reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

RELAY_PUBLISH_ERRORS = Counter(
    "servelo_relay_publish_errors", "Failed publishes to JetStream (retried)", ["service"]
)
MAIL_FAILURES = Counter("servelo_mail_failures", "Failed SMTP hand-offs (retried)", ["service"])
INBOX_HANDLED = Counter("servelo_inbox_handled", "Events handled (inbox rows written)", ["durable"])


def render(registry: CollectorRegistry = REGISTRY) -> bytes:
    """The Prometheus text exposition of everything registered."""
    return generate_latest(registry)
