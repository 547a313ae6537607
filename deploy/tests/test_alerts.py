"""deploy/prometheus/alerts.yaml is a well-formed Prometheus rule file (promtool is not
available: parsed with PyYAML), every rule names only the platform's metrics, and every
alert has its runbook section in docs/operations.md."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from .conftest import DEPLOY, ROOT

# The platform's metrics (docs/operations.md, "Metrics"): the names alerts and dashboards
# may use. Histograms also expose <name>_bucket, _sum and _count.
COUNTERS_AND_GAUGES = {
    "servelo_http_requests_total",
    "servelo_gateway_ratelimit_refusals_total",
    "servelo_gateway_claims_cache_hits_total",
    "servelo_gateway_claims_cache_misses_total",
    "servelo_gateway_open_connections",
    "servelo_outbox_pending",
    "servelo_outbox_oldest_pending_seconds",
    "servelo_relay_publish_errors_total",
    "servelo_consumer_pending",
    "servelo_consumer_ack_pending",
    "servelo_dead_letters",
    "servelo_inbox_handled_total",
    "servelo_mail_queue_depth",
    "servelo_mail_failures_total",
    "servelo_db_pool_size",
    "servelo_db_pool_in_use",
    "servelo_db_pool_waiting",
    "servelo_migrations_applied",
}
HISTOGRAMS = {
    "servelo_http_request_duration_seconds",
    "servelo_gateway_upstream_duration_seconds",
}
PROMETHEUS_OWN = {"up"}  # written by Prometheus for every target
METRICS = COUNTERS_AND_GAUGES | HISTOGRAMS
KNOWN = (
    COUNTERS_AND_GAUGES
    | PROMETHEUS_OWN
    | {f"{h}{s}" for h in HISTOGRAMS for s in ("_bucket", "_sum", "_count")}
)
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left"}
KEYWORDS |= {"group_right", "bool", "offset", "inf", "nan"}
DURATION = re.compile(r"^\d+[smhdw]$")
ALERTS = DEPLOY / "prometheus" / "alerts.yaml"
OPERATIONS = ROOT / "docs" / "operations.md"


def metric_names(expr: str) -> set[str]:
    """The series a PromQL expression selects (identifiers that are not functions,
    keywords, labels inside {...} or by/without (...), or range durations)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        rest = text[match.end() :].lstrip()
        word = match.group(0)
        if rest.startswith("(") or word.lower() in KEYWORDS:
            continue  # a function call or an operator
        if match.start() > 0 and text[match.start() - 1].isdigit():
            continue  # the exponent or unit of a number (1e3)
        names.add(word)
    return names


def anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors."""
    found = set()
    for heading in re.findall(r"^#+\s+(.+?)\s*$", markdown, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        found.add(slug)
    return found


@pytest.fixture(scope="module")
def rules() -> list[dict[str, Any]]:
    doc = yaml.safe_load(ALERTS.read_text())
    assert set(doc) == {"groups"}
    found = []
    names = set()
    for group in doc["groups"]:
        assert set(group) <= {"name", "rules", "interval"} and group["rules"], group
        assert group["name"] not in names
        names.add(group["name"])
        found.extend(group["rules"])
    return found


def test_the_metric_parser_sees_through_promql() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (le, service) (rate(x_bucket{job="a",le!="1"}[5m])))'
        " > 1e3 and on (service) max without (instance) (up) unless y offset 5m"
    )
    assert metric_names(expr) == {"x_bucket", "up", "y"}


def test_every_rule_is_a_complete_alert(rules: list[dict[str, Any]]) -> None:
    seen = set()
    for rule in rules:
        assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}, rule
        assert re.fullmatch(r"Servelo[A-Z][A-Za-z0-9]+", rule["alert"]), rule["alert"]
        assert rule["alert"] not in seen, rule["alert"]
        seen.add(rule["alert"])
        assert DURATION.match(rule["for"]), rule["for"]
        assert rule["labels"]["severity"] in {"critical", "warning"}
        assert {"summary", "description", "runbook"} <= rule["annotations"].keys()
        assert rule["expr"].count("(") == rule["expr"].count(")"), rule["alert"]


def test_every_rule_uses_only_platform_metrics(rules: list[dict[str, Any]]) -> None:
    used: set[str] = set()
    for rule in rules:
        names = metric_names(rule["expr"])
        assert names, f"{rule['alert']} selects no series"
        assert names <= KNOWN, f"{rule['alert']}: unknown {sorted(names - KNOWN)}"
        used |= names
    # The alerts the operations guide promises.
    wanted = {
        "up",
        "servelo_http_requests_total",
        "servelo_http_request_duration_seconds_bucket",
        "servelo_outbox_oldest_pending_seconds",
        "servelo_consumer_pending",
        "servelo_dead_letters",
        "servelo_db_pool_waiting",
        "servelo_mail_failures_total",
    }
    assert wanted <= used, sorted(wanted - used)


def test_every_alert_has_a_runbook_and_a_line_in_the_guide(rules: list[dict[str, Any]]) -> None:
    guide = OPERATIONS.read_text()
    sections = anchors(guide)
    for rule in rules:
        path, _, anchor = rule["annotations"]["runbook"].partition("#")
        assert path == "docs/operations.md"
        assert anchor in sections, f"{rule['alert']}: no section #{anchor}"
        assert f"`{rule['alert']}`" in guide, f"{rule['alert']} is not in the alert list"


def test_the_guide_lists_every_metric() -> None:
    guide = OPERATIONS.read_text()
    for name in sorted(METRICS):
        assert f"`{name}" in guide, name
