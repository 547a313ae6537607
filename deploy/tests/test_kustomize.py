"""Every kustomize rendering (overlays, each component on the base, all components) is valid
Kubernetes 1.30 and keeps the promises of docs/deploy.md: hardened pods with probes and
resources, metrics ports, spread across nodes, images by digest in the example."""

from __future__ import annotations

import re
from typing import Any

import kubernetes_validate
import pytest

from .conftest import (
    COMPONENTS,
    DEPLOY,
    OVERLAYS,
    TARGETS,
    Renderings,
    config_map,
    containers,
    find,
    pod_spec,
    workloads,
    workspace_apps,
)

APPS = [a.name for a in workspace_apps()]
SERVICES = [a for a in APPS if a != "gateway"]
METRICS_PORT = {**dict.fromkeys(SERVICES, 9464), "gateway": 9090}


def servelo_deployments(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        o
        for o in objs
        if o["kind"] == "Deployment"
        and o["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") == "servelo"
    ]


def test_the_renderings_cover_every_overlay_and_component() -> None:
    assert "example" in OVERLAYS
    assert {"migrations", "monitoring", "network-policies"} <= set(COMPONENTS)
    assert len(TARGETS) == len(OVERLAYS) + len(COMPONENTS) + 1


@pytest.mark.parametrize("target", TARGETS)
def test_every_object_validates_against_kubernetes_1_30(rendered: Renderings, target: str) -> None:
    custom = []
    for obj in rendered[target]:
        name = f"{obj['kind']}/{obj['metadata']['name']}"
        if obj["apiVersion"].startswith("monitoring.coreos.com/"):
            custom.append(obj)  # a CRD: no schema in kubernetes-validate; checked below
            continue
        try:
            kubernetes_validate.validate(obj, "1.30.0", strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{target}: {name}: {exc.message} at {list(exc.path)}")
    for obj in custom:
        assert obj["kind"] == "PodMonitor", obj["kind"]
        assert obj["spec"]["selector"] and obj["spec"]["podMetricsEndpoints"]


@pytest.mark.parametrize("target", TARGETS)
def test_every_container_is_hardened_and_sized(rendered: Renderings, target: str) -> None:
    for obj in workloads(rendered[target]):
        spec = pod_spec(obj)
        where = f"{target}: {obj['kind']}/{obj['metadata']['name']}"
        assert spec["automountServiceAccountToken"] is False, where
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True, where
        assert pod["runAsUser"] != 0, where
        assert pod["seccompProfile"]["type"] == "RuntimeDefault", where
        for c in containers(obj):
            at = f"{where} container {c['name']}"
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False, at
            assert sc["readOnlyRootFilesystem"] is True, at
            assert sc["capabilities"]["drop"] == ["ALL"], at
            assert "add" not in sc["capabilities"], at
            assert sc.get("privileged", False) is False, at
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= c["resources"][kind].keys(), f"{at}: {kind}"


@pytest.mark.parametrize("target", TARGETS)
def test_every_long_running_container_is_probed(rendered: Renderings, target: str) -> None:
    for obj in workloads(rendered[target]):
        if obj["kind"] not in ("Deployment", "StatefulSet"):
            continue  # a Job's pod ends; Kubernetes does not probe init containers
        for c in containers(obj, init=False):
            at = f"{target}: {obj['kind']}/{obj['metadata']['name']} container {c['name']}"
            assert "livenessProbe" in c and "readinessProbe" in c, at
    for obj in servelo_deployments(rendered[target]):
        (c,) = containers(obj, init=False)
        at = f"{target}: {obj['metadata']['name']}"
        assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}, at
        assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}, at
        if obj["metadata"]["name"] != "gateway":  # services migrate before answering
            assert c["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}, at


def test_base_runs_every_workspace_app(rendered: Renderings) -> None:
    objs = rendered["overlay/example"]
    names = {o["metadata"]["name"] for o in servelo_deployments(objs)}
    assert names == set(APPS)
    for app in APPS:
        find(objs, "Service", app)


@pytest.mark.parametrize("target", TARGETS)
def test_metrics_ports_are_declared_but_never_served(rendered: Renderings, target: str) -> None:
    objs = rendered[target]
    assert config_map(objs)["SERVELO_METRICS_PORT"] == "9464"
    for obj in servelo_deployments(objs):
        name = obj["metadata"]["name"]
        (c,) = containers(obj, init=False)
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        assert ports["metrics"] == METRICS_PORT[name], name
        annotations = obj["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/port"] == str(METRICS_PORT[name])
        assert annotations["prometheus.io/path"] == "/metrics"
        if name == "gateway":
            env = {e["name"]: e.get("value") for e in c["env"]}
            assert env["SERVELO_GATEWAY_ADMIN_PORT"] == "9090"
    # The ports are scraped on the pods: no Service (so no Ingress, no gateway route) has them.
    for svc in (o for o in objs if o["kind"] == "Service"):
        for port in svc["spec"]["ports"]:
            assert port["port"] not in (9090, 9464), svc["metadata"]["name"]


def test_podmonitor_scrapes_every_app_on_its_metrics_port(rendered: Renderings) -> None:
    from .conftest import matches

    objs = rendered["component/monitoring"]
    monitor = find(objs, "PodMonitor", "servelo")
    assert [e["port"] for e in monitor["spec"]["podMetricsEndpoints"]] == ["metrics"]
    for obj in servelo_deployments(objs):
        labels = obj["spec"]["template"]["metadata"]["labels"]
        assert matches(monitor["spec"]["selector"], labels), obj["metadata"]["name"]


@pytest.mark.parametrize("target", TARGETS)
def test_replicas_spread_across_nodes(rendered: Renderings, target: str) -> None:
    for obj in servelo_deployments(rendered[target]):
        own = obj["spec"]["selector"]["matchLabels"]
        constraints = pod_spec(obj)["topologySpreadConstraints"]
        by_key = {c["topologyKey"]: c for c in constraints}
        node = by_key["kubernetes.io/hostname"]
        assert node["labelSelector"]["matchLabels"] == own, obj["metadata"]["name"]
        assert node["maxSkew"] == 1


def test_example_pins_every_servelo_image_by_digest(rendered: Renderings) -> None:
    digest = re.compile(r"^registry\.example\.com/servelo/[a-z]+@sha256:[0-9a-f]{64}$")
    for obj in workloads(rendered["overlay/example"]):
        for c in containers(obj):
            if "servelo" in c["image"]:
                assert digest.match(c["image"]), c["image"]


@pytest.mark.parametrize("target", TARGETS)
def test_nats_stream_replicas_is_configured(rendered: Renderings, target: str) -> None:
    replicas = config_map(rendered[target])["SERVELO_NATS_STREAM_REPLICAS"]
    assert replicas.isdigit() and int(replicas) >= 1


def test_migrations_component_runs_a_job_per_service(rendered: Renderings) -> None:
    objs = rendered["component/migrations"]
    python = re.search(r"^FROM python:(\d+\.\d+)", (DEPLOY / "docker/Dockerfile").read_text(), re.M)
    assert python, "the Dockerfile's Python version"
    assert config_map(objs)["SERVELO_MIGRATE_ON_START"] == "false"
    for svc in SERVICES:
        job = find(objs, "Job", f"migrate-{svc}")
        (c,) = containers(job)
        folder = f"/opt/venv/lib/python{python.group(1)}/site-packages/{svc}/migrations"
        assert c["command"] == ["python", "-m", "servelo_common.migrate", svc, folder]
        assert c["image"] == f"servelo/{svc}"
        db = c["env"][0]["valueFrom"]["secretKeyRef"]["name"]
        assert db == f"servelo-db-{svc}", db
        # The service waits for it, with its own image and role, before starting.
        deployment = find(objs, "Deployment", svc)
        (wait,) = pod_spec(deployment)["initContainers"]
        assert wait["image"] == f"servelo/{svc}"
        assert wait["command"][-1] == svc
        assert wait["env"][0]["valueFrom"]["secretKeyRef"]["name"] == f"servelo-db-{svc}"
    # Without the component, services migrate at start (the default).
    assert "SERVELO_MIGRATE_ON_START" not in config_map(rendered["overlay/example"])
