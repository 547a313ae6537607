"""Renders the kustomize tree with the machine's `kubectl kustomize` (offline), once per
session: every overlay, every component on top of the base, and all components at once.

The overlays' Secrets come from files the operator creates next to each `*.example`; the
renderings use a copy of deploy/k8s where each example stands in for its real file (a
developer's own secrets in the checkout are never read).
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
OVERLAYS = sorted(p.name for p in (K8S / "overlays").iterdir() if p.is_dir())
COMPONENTS = sorted(p.name for p in (K8S / "components").iterdir() if p.is_dir())
# What is rendered: "overlay/<name>", "component/<name>" (base + it), "all-components".
TARGETS = [f"overlay/{o}" for o in OVERLAYS] + [f"component/{c}" for c in COMPONENTS]
TARGETS.append("all-components")

Obj = dict[str, Any]


@dataclass(frozen=True)
class App:
    """A workspace package that runs as a process (a service or the gateway)."""

    name: str  # the module, the compose service, the Deployment
    package: str
    source: str


def workspace_apps() -> list[App]:
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())
    apps = []
    for pattern in root["tool"]["uv"]["workspace"]["members"]:
        for folder in sorted(ROOT.glob(pattern)):
            project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
            module = folder / folder.name
            if folder.name == "common" or not (module / "__init__.py").exists():
                continue  # libs/common is a library, not a process
            source = folder.relative_to(ROOT).as_posix()
            apps.append(App(name=folder.name, package=project["name"], source=source))
    return apps


def _kubectl() -> str:
    found = shutil.which("kubectl")
    if found is None:
        # Not a skip: CI must check the deploy folder (kubectl 1.32 is on every machine).
        pytest.fail("kubectl is not installed: the deploy folder cannot be rendered")
    return found


def _copy_tree(dest: Path) -> Path:
    def ignore(folder: str, names: list[str]) -> set[str]:
        if Path(folder).name != "secrets":
            return set()
        return {n for n in names if not n.endswith(".example")}

    tree = dest / "k8s"
    shutil.copytree(K8S, tree, ignore=ignore)
    for example in tree.glob("overlays/*/secrets/*.example"):
        shutil.copy(example, example.with_suffix(""))
    # Each component alone on the base, and all of them together.
    for component in COMPONENTS:
        _kustomization(tree / "_render" / component, [component])
    _kustomization(tree / "_render" / "all-components", COMPONENTS)
    return tree


def _kustomization(folder: Path, components: list[str]) -> None:
    folder.mkdir(parents=True)
    doc = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": "servelo",
        "resources": ["../../base"],
        "components": [f"../../components/{c}" for c in components],
    }
    (folder / "kustomization.yaml").write_text(yaml.safe_dump(doc))


class Renderings:
    def __init__(self, tree: Path) -> None:
        self.tree = tree
        self._cache: dict[str, list[Obj]] = {}

    def folder(self, target: str) -> Path:
        kind, _, name = target.partition("/")
        if kind == "overlay":
            return self.tree / "overlays" / name
        return self.tree / "_render" / (name or kind)

    def __getitem__(self, target: str) -> list[Obj]:
        if target not in self._cache:
            result = subprocess.run(
                [_kubectl(), "kustomize", str(self.folder(target))],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert result.returncode == 0, f"kubectl kustomize {target}:\n{result.stderr}"
            self._cache[target] = [d for d in yaml.safe_load_all(result.stdout) if d]
        return self._cache[target]


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Renderings:
    return Renderings(_copy_tree(tmp_path_factory.mktemp("deploy")))


# -- helpers over rendered objects ---------------------------------------------------------
WORKLOADS = {"Deployment", "StatefulSet", "Job", "DaemonSet", "CronJob"}


def pod_spec(obj: Obj) -> Obj:
    spec = obj["spec"]
    if obj["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return dict(spec["template"]["spec"])


def workloads(objs: list[Obj]) -> list[Obj]:
    return [o for o in objs if o["kind"] in WORKLOADS]


def containers(obj: Obj, *, init: bool = True) -> list[Obj]:
    spec = pod_spec(obj)
    return list(spec.get("initContainers", []) if init else []) + list(spec["containers"])


def find(objs: list[Obj], kind: str, name: str) -> Obj:
    matches = [o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def config_map(objs: list[Obj], prefix: str = "servelo-config") -> dict[str, str]:
    maps = [
        o
        for o in objs
        if o["kind"] == "ConfigMap" and o["metadata"]["name"].rsplit("-", 1)[0] == prefix
    ]
    assert len(maps) == 1, f"one ConfigMap {prefix}, found {len(maps)}"
    return dict(maps[0]["data"])


def matches(selector: Obj, labels: dict[str, str]) -> bool:
    """Kubernetes label selector semantics (matchLabels and matchExpressions)."""
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions", []):
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": key not in labels or labels[key] not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[op]
        if not ok:
            return False
    return True
