"""components/network-policies, evaluated over the pods of a rendering with every component:
only the gateway takes traffic from anywhere, services only from the gateway (and
Prometheus on the metrics port), and egress goes only to Postgres, NATS, SMTP, S3 and DNS,
and for webhooks to HTTP(S) on public addresses."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from .conftest import Renderings, matches, workloads

Obj = dict[str, Any]
DNS = {("UDP", 53), ("TCP", 53)}
POSTGRES, NATS = ("TCP", 5432), ("TCP", 4222)
SMTP = {("TCP", 25), ("TCP", 465), ("TCP", 587)}
HTTPS = ("TCP", 443)
HTTP = ("TCP", 80)
PROMETHEUS = {"app.kubernetes.io/name": "prometheus"}


@pytest.fixture(scope="module")
def objs(rendered: Renderings) -> list[Obj]:
    return rendered["all-components"]


def pods(objs: list[Obj]) -> dict[str, dict[str, str]]:
    """Workload name -> its pods' labels."""
    return {
        o["metadata"]["name"]: o["spec"]["template"]["metadata"]["labels"] for o in workloads(objs)
    }


def rules(objs: list[Obj], labels: dict[str, str], direction: str) -> list[Obj]:
    key = "ingress" if direction == "Ingress" else "egress"
    found = []
    for policy in (o for o in objs if o["kind"] == "NetworkPolicy"):
        spec = policy["spec"]
        if direction in spec["policyTypes"] and matches(spec["podSelector"], labels):
            found.extend(spec.get(key, []))
    return found


def ports(rule: Obj) -> set[tuple[str, int]]:
    assert rule.get("ports"), f"a rule without ports allows every port: {rule}"
    return {(p.get("protocol", "TCP"), p["port"]) for p in rule["ports"]}


def peer_admits(peer: Obj, labels: dict[str, str]) -> bool:
    """Does a from/to peer (in this namespace, or any namespace) admit a pod with labels?"""
    return "ipBlock" not in peer and matches(peer.get("podSelector", {}), labels)


def admitted(objs: list[Obj], src: dict[str, str], dst: dict[str, str], port: int) -> bool:
    ingress = any(
        ("TCP", port) in ports(r) and any(peer_admits(p, src) for p in r.get("from", [{}]))
        for r in rules(objs, dst, "Ingress")
    )
    egress = any(
        ("TCP", port) in ports(r) and any(peer_admits(p, dst) for p in r.get("to", [{}]))
        for r in rules(objs, src, "Egress")
    )
    return ingress and egress


def test_everything_is_denied_by_default(objs: list[Obj]) -> None:
    deny = [
        o["spec"] for o in objs if o["kind"] == "NetworkPolicy" and o["spec"]["podSelector"] == {}
    ]
    assert deny == [{"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}]


def test_only_the_gateway_takes_traffic_from_anywhere(objs: list[Obj]) -> None:
    for name, labels in pods(objs).items():
        for rule in rules(objs, labels, "Ingress"):
            if "from" not in rule:
                assert name == "gateway", f"{name} accepts traffic from anywhere"
                assert ports(rule) == {("TCP", 8080)}


def test_services_accept_the_gateway_and_prometheus_only(objs: list[Obj]) -> None:
    all_pods = pods(objs)
    gateway = all_pods["gateway"]
    for name, labels in all_pods.items():
        if labels.get("app.kubernetes.io/component") != "service":
            continue
        for rule in rules(objs, labels, "Ingress"):
            for peer in rule["from"]:
                if peer_admits(peer, gateway):
                    assert ports(rule) == {("TCP", 8000)}, name
                else:
                    assert "namespaceSelector" in peer, name
                    assert peer["podSelector"]["matchLabels"] == PROMETHEUS, name
                    assert ports(rule) == {("TCP", 9464), ("TCP", 9090)}, name
            # No other workload of the namespace may call a service.
            for other, other_labels in all_pods.items():
                if other != "gateway":
                    admits = any(peer_admits(p, other_labels) for p in rule["from"])
                    assert not admits, f"{other} may call {name}"
        assert admitted(objs, gateway, labels, 8000), f"gateway -> {name}"


def test_egress_only_to_postgres_nats_smtp_s3_and_dns(objs: list[Obj]) -> None:
    allowed = {
        "service": DNS | {POSTGRES, NATS} | SMTP,
        "gateway": DNS | {NATS, ("TCP", 8000)},
        "migrations": DNS | {POSTGRES},
        "provision": DNS | {POSTGRES},
    }
    for name, labels in pods(objs).items():
        role = labels.get("app.kubernetes.io/component")
        permitted = allowed.get(role or "", set()) | ({HTTPS} if name == "tickets" else set())
        permitted |= {HTTP, HTTPS} if name == "webhooks" else set()
        found: set[tuple[str, int]] = set()
        for rule in rules(objs, labels, "Egress"):
            found |= ports(rule)
        assert found <= permitted, f"{name}: {sorted(found - permitted)}"
        if role in allowed:
            assert found == permitted, f"{name} misses {sorted(permitted - found)}"


def test_the_gateway_reaches_services_not_the_database(objs: list[Obj]) -> None:
    all_pods = pods(objs)
    assert not admitted(objs, all_pods["gateway"], all_pods["postgres"], 5432)
    assert admitted(objs, all_pods["gateway"], all_pods["nats"], 4222)
    for name, labels in all_pods.items():
        role = labels.get("app.kubernetes.io/component")
        if role in ("service", "migrations", "provision"):
            assert admitted(objs, labels, all_pods["postgres"], 5432), name
        if role == "service":
            assert admitted(objs, labels, all_pods["nats"], 4222), name
            assert not admitted(objs, labels, all_pods["gateway"], 8080), name


def test_webhooks_reach_the_internet_but_no_private_range(objs: list[Obj]) -> None:
    labels = pods(objs)["webhooks"]
    web = [r for r in rules(objs, labels, "Egress") if ports(r) & {HTTP, HTTPS}]
    assert len(web) == 1 and ports(web[0]) == {HTTP, HTTPS}
    blocks = [peer["ipBlock"] for peer in web[0]["to"]]
    assert all(set(peer) == {"ipBlock"} for peer in web[0]["to"])  # no pod of the namespace
    assert {b["cidr"] for b in blocks} == {"0.0.0.0/0", "::/0"}
    excepted = [ipaddress.ip_network(c) for b in blocks for c in b["except"]]
    for address in (
        "10.1.2.3",
        "172.20.0.1",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",
        "100.100.100.200",
        "::1",
        "fd00:ec2::254",
        "fe80::1",
    ):
        ip = ipaddress.ip_address(address)
        assert any(ip in net for net in excepted if net.version == ip.version), address
    for address in ("93.184.215.14", "2606:4700:4700::1111"):
        ip = ipaddress.ip_address(address)
        assert not any(ip in net for net in excepted if net.version == ip.version), address
    # Only webhooks: no other workload gets HTTP(S) out.
    for name, other in pods(objs).items():
        if name not in ("webhooks", "tickets"):
            found = set().union(*(ports(r) for r in rules(objs, other, "Egress")))
            assert not found & {HTTP, HTTPS}, name
