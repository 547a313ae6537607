"""deploy/compose.yaml (parsed with PyYAML: no Docker needed) builds every workspace app
from the one Dockerfile with build args it declares, and wires them as the manifests do."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from .conftest import DEPLOY, ROOT, App, workspace_apps

DOCKERFILE = DEPLOY / "docker" / "Dockerfile"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    doc = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(doc, dict) and isinstance(doc.get("services"), dict)
    return doc


def dockerfile_args() -> tuple[set[str], set[str]]:
    """(every ARG, the ARGs the build refuses to run without)."""
    text = DOCKERFILE.read_text()
    declared = set(re.findall(r"^ARG (\w+)", text, re.M))
    required = set(re.findall(r'test -n "\$(\w+)"', text))
    return declared, required


def built(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose["services"].items() if "build" in s}


def test_dockerfile_declares_the_build_args() -> None:
    declared, required = dockerfile_args()
    assert required == {"PACKAGE", "SOURCE", "MODULE"}
    assert {"COMMAND", "PORT"} <= declared


def test_every_workspace_app_is_built_and_nothing_else(compose: dict[str, Any]) -> None:
    assert set(built(compose)) == {a.name for a in workspace_apps()}


@pytest.mark.parametrize("app", workspace_apps(), ids=lambda a: a.name)
def test_build_args_match_the_dockerfile_and_the_workspace(
    compose: dict[str, Any], app: App
) -> None:
    service = compose["services"][app.name]
    build = service["build"]
    assert (DEPLOY / build["context"]).resolve() == ROOT
    assert (ROOT / build["dockerfile"]).resolve() == DOCKERFILE
    args = build["args"]
    declared, required = dockerfile_args()
    assert required <= args.keys() <= declared, sorted(args)
    assert args["PACKAGE"] == app.package
    assert args["SOURCE"] == app.source
    assert args["MODULE"] == app.name
    assert (ROOT / args["SOURCE"] / args["MODULE"] / "__init__.py").exists()
    port = int(args.get("PORT", 8000))
    env = service["environment"]
    if app.name == "gateway":
        assert args["COMMAND"] == "python -m gateway"
        assert env["SERVELO_GATEWAY_PORT"] == str(port)
        assert f"{port}:{port}" in service["ports"]
    else:
        assert "COMMAND" not in args  # the default: servelo_common.serve <MODULE>.main
        assert env["SERVELO_PORT"] == str(port)
        role = env["SERVELO_DATABASE_URL"].split("://", 1)[1].split(":", 1)[0]
        assert role == f"servelo_{app.name}"
    # Hardened as on Kubernetes: read-only root, scratch space in tmpfs.
    assert service["read_only"] is True
    assert "/tmp" in service["tmpfs"]


def test_the_gateway_routes_to_every_compose_service(compose: dict[str, Any]) -> None:
    env = compose["services"]["gateway"]["environment"]
    for app in workspace_apps():
        if app.name != "gateway":
            assert env[f"SERVELO_{app.name.upper()}_URL"] == f"http://{app.name}:8000"


def test_every_service_waits_for_provisioning_and_nats(compose: dict[str, Any]) -> None:
    for name, service in built(compose).items():
        depends = service["depends_on"]
        assert "nats" in depends, name
        if name != "gateway":
            assert depends["init"]["condition"] == "service_completed_successfully", name
