"""`SERVELO_WORKERS`: a service runs that many worker processes on one port."""

import secrets
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from servelo_common.serve import workers_from_env


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"spawn_main" in cmdline:
                found.append(int(entry.name))
    return found


def test_workers_setting_starts_that_many_processes(stack: Any) -> None:
    name = f"team-workers-{secrets.token_hex(3)}"
    proc = stack.stack.start_replica(name, "team", {"SERVELO_WORKERS": "2"})
    try:
        assert len(children(proc.proc.pid)) == 2
        for _ in range(10):
            with urllib.request.urlopen(f"http://127.0.0.1:{proc.port}/healthz", timeout=10) as r:
                assert r.status == 200
    finally:
        stack.stack.stop_process(name)
    assert children(proc.proc.pid) == []


def test_workers_setting_refuses_nonsense() -> None:
    assert workers_from_env({}) == 1
    assert workers_from_env({"SERVELO_WORKERS": "4"}) == 4
    for bad in ("0", "-1", "two", "65", ""):
        with pytest.raises(SystemExit):
            workers_from_env({"SERVELO_WORKERS": bad})
