"""Trace context parsing, and what is passed on when tracing is off."""

import pytest
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
