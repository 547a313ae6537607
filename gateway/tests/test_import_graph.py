"""No import cycle among the gateway's modules (TYPE_CHECKING imports included): the
exchange needs admission and the heads, never the other way round (issue 12)."""

from __future__ import annotations

from pathlib import Path

from servelo_dev.testing.imports import cycles, import_graph

GATEWAY = Path(__file__).resolve().parents[1] / "gateway"


def test_the_gateway_has_no_import_cycle() -> None:
    graph = import_graph(GATEWAY, "gateway")
    assert {"gateway.exchange", "gateway.admission", "gateway.protocol"} <= graph.keys()
    assert "gateway.admission" in graph["gateway.exchange"]  # the graph is read at all
    assert cycles(graph) == []


def test_the_exchange_and_admission_do_not_know_the_client_protocol() -> None:
    graph = import_graph(GATEWAY, "gateway")
    for module in ("exchange", "relay", "answer", "admission", "heads", "replies"):
        assert "gateway.protocol" not in graph[f"gateway.{module}"], module
    for module in ("relay", "answer", "admission", "heads", "replies"):
        assert "gateway.exchange" not in graph[f"gateway.{module}"], module
