"""`SERVELO_WORKERS`: a service runs that many worker processes on one port."""

import secrets
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from servelo_common.serve import workers_from_env
from servelo_dev.devstack.embedded import free_ports


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


def metrics_of(port: int) -> str | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            return str(r.read().decode())
    except OSError:
        return None


def test_workers_setting_starts_that_many_processes(stack: Any) -> None:
    name = f"team-workers-{secrets.token_hex(3)}"
    # Worker k listens on the port + k: both must be free (a taken next port failed CI once).
    metrics_port = free_ports(2)
    proc = stack.stack.start_replica(
        name, "team", {"SERVELO_WORKERS": "2", "SERVELO_METRICS_PORT": str(metrics_port)}
    )
    try:
        first = children(proc.proc.pid)
        assert len(first) == 2
        for _ in range(10):
            with urllib.request.urlopen(f"http://127.0.0.1:{proc.port}/healthz", timeout=10) as r:
                assert r.status == 200
        # Each worker has its own metrics listener (the port and the next): neither dies
        # on a port the other holds, so the same two processes are still there.
        deadline = time.monotonic() + 30
        while not all(metrics_of(metrics_port + k) for k in (0, 1)):
            assert time.monotonic() < deadline, "a worker's /metrics never answered"
            time.sleep(0.2)
        assert all("servelo_db_pool_size" in (metrics_of(metrics_port + k) or "") for k in (0, 1))
        assert sorted(children(proc.proc.pid)) == sorted(first)
    finally:
        stack.stack.stop_process(name)
    assert children(proc.proc.pid) == []


def test_workers_setting_refuses_nonsense() -> None:
    assert workers_from_env({}) == 1
    assert workers_from_env({"SERVELO_WORKERS": "4"}) == 4
    for bad in ("0", "-1", "two", "65", ""):
        with pytest.raises(SystemExit):
            workers_from_env({"SERVELO_WORKERS": bad})
