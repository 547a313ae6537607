"""The admin listener's `/metrics` of this gateway: the numbers gateway.metrics and the
other parts keep (rate-limit refusals, claims-cache hits, open connections), as Prometheus
families built at scrape time."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from gateway.app import Gateway


class GatewayCollector(Collector):
    """Everything the admin listener's `/metrics` shows of this gateway."""

    def __init__(self, gw: Gateway) -> None:
        self.gw = gw

    def collect(self) -> Iterator[Metric]:
        gw = self.gw
        yield from gw.metrics.requests.collect()
        yield from gw.metrics.upstream.collect()
        refusals = CounterMetricFamily(
            "servelo_gateway_ratelimit_refusals", "429s per rate-limit rule", labels=["rule"]
        )
        for rule, limiter in gw.limits.by_rule():
            refusals.add_metric([rule], limiter.refused)
        yield refusals
        auth = gw.authenticator
        yield CounterMetricFamily(
            "servelo_gateway_claims_cache_hits",
            "Tokens answered from the verified-token cache",
            value=auth.cache_hits,
        )
        yield CounterMetricFamily(
            "servelo_gateway_claims_cache_misses",
            "Tokens verified (not in the cache)",
            value=auth.cache_misses,
        )
        yield GaugeMetricFamily(
            "servelo_gateway_open_connections", "Client connections open", value=len(gw.connections)
        )
