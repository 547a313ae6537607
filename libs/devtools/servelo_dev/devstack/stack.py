"""The whole platform on one machine: Postgres, NATS, every service and the gateway.

Used by `make run` (development, data kept in `.servelo/`) and by the pytest plugin (a
temporary folder per session). External servers are used when their URLs are given.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from servelo_common.jwt import SigningKey
from servelo_common.migrate import migrate_dsn
from servelo_common.provision import provision

from servelo_dev.devstack import runtime
from servelo_dev.devstack.embedded import EmbeddedNats, EmbeddedPostgres, free_port

ALL_SERVICES = ("auth", "tickets", "crm", "finance", "team", "webhooks")

# The caller's SERVELO_* variables reach every component (docs/deploy.md, "make run"),
# except these, which the stack decides: each process's own ports, its own database role,
# the stack's servers and the stack's addresses of the others, and what StackConfig holds
# (`make run` fills StackConfig from the same variables, so the operator's values still win).
STACK_OWNED = frozenset(
    {
        "SERVELO_ENV",
        "SERVELO_DATA_DIR",
        "SERVELO_BASE_DOMAIN",
        "SERVELO_SYSTEM_ADMIN_ORG",
        "SERVELO_SMTP_URL",
        "SERVELO_DATABASE_URL",
        "SERVELO_NATS_URL",
        "SERVELO_INTERNAL_SECRET",
        "SERVELO_HOST",
        "SERVELO_PORT",
        "SERVELO_METRICS_PORT",
        "SERVELO_GATEWAY_HOST",
        "SERVELO_GATEWAY_PORT",
        "SERVELO_GATEWAY_ADMIN_PORT",
        *(f"SERVELO_{s.upper()}_URL" for s in ALL_SERVICES),
    }
)
# Given to auth only, as on Kubernetes: the gateway and the other services never see them.
AUTH_ONLY = frozenset(
    {"SERVELO_JWT_KEYS", "SERVELO_BOOTSTRAP_ADMIN_EMAIL", "SERVELO_BOOTSTRAP_ADMIN_PASSWORD"}
)


def available_services(wanted: str | None = None) -> list[str]:
    """Services whose code is installed (`<svc>.main` importable), optionally filtered."""
    names = [s.strip() for s in wanted.split(",") if s.strip()] if wanted else ALL_SERVICES
    return [s for s in names if s in ALL_SERVICES and importlib.util.find_spec(f"{s}.main")]


def migrations_dir(service: str) -> Path:
    spec = importlib.util.find_spec(service)
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parents[1] / "migrations"


@dataclass
class StackConfig:
    data_dir: Path
    env: str = "development"
    gateway_port: int = 8080
    services: list[str] = field(default_factory=available_services)
    database_url: str | None = None  # an administrator URL; None: embedded Postgres
    nats_url: str | None = None  # None: embedded NATS
    database: str = "servelo"
    role_prefix: str = "servelo"
    base_domain: str = "localhost"
    system_org: str = "admin"
    admin_email: str = "admin@servelo.local"
    admin_password: str | None = None  # None: generated once and kept in data_dir
    smtp_url: str | None = None
    # Set for every component, over the caller's variables (the test plugin's fixed values).
    extra_env: dict[str, str] = field(default_factory=dict)
    # The environment the stack was started from: its SERVELO_* settings reach the components.
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    # Embedded Postgres without fsync/synchronous commit; None: SERVELO_EMBEDDED_PG_FAST.
    pg_fast: bool | None = None


@dataclass
class Process:
    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log: Path


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.data_dir = config.data_dir.resolve()
        self.pg: EmbeddedPostgres | None = None
        self.nats: EmbeddedNats | None = None
        self.admin_dsn = ""
        self.nats_url = ""
        self.service_dsns: dict[str, str] = {}
        self.processes: dict[str, Process] = {}
        self.secrets: dict[str, str] = {}
        # Each process's metrics listener (the gateway's admin port): one machine, many ports.
        self.metrics_ports: dict[str, int] = {}

    # -- infrastructure ----------------------------------------------------------------
    def _load_secrets(self) -> dict[str, str]:
        path = self.data_dir / "secrets.json"
        data: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        changed = False
        if "internal_secret" not in data:
            data["internal_secret"] = "dev-" + secrets.token_urlsafe(32)
            changed = True
        if "jwt_keys" not in data:
            key = SigningKey.generate()
            data["jwt_keys"] = json.dumps([{"kid": key.kid, "pem": key.to_pem()}])
            changed = True
        if "admin_password" not in data:
            data["admin_password"] = self.config.admin_password or secrets.token_urlsafe(12)
            changed = True
        for service in ALL_SERVICES:
            if f"db_password_{service}" not in data:
                data[f"db_password_{service}"] = secrets.token_urlsafe(18)
                changed = True
        if changed:
            path.write_text(json.dumps(data, indent=2))
            path.chmod(0o600)
        # An operator's own secret or keys win over the generated ones (not written down).
        caller = self.config.environ
        for name, variable in (
            ("internal_secret", "SERVELO_INTERNAL_SECRET"),
            ("jwt_keys", "SERVELO_JWT_KEYS"),
        ):
            if caller.get(variable):
                data[name] = caller[variable]
        return data

    @property
    def admin_password(self) -> str:
        return self.config.admin_password or self.secrets["admin_password"]

    def start_infrastructure(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.secrets = self._load_secrets()
        if self.config.database_url:
            self.admin_dsn = self.config.database_url
        else:
            self.pg = EmbeddedPostgres(self.data_dir / "pg", fast=self.config.pg_fast)
            self.admin_dsn = self.pg.start()
        if self.config.nats_url:
            self.nats_url = self.config.nats_url
        else:
            self.nats = EmbeddedNats(self.data_dir / "nats")
            self.nats_url = self.nats.start()
        self.service_dsns = asyncio.run(self._provision_and_migrate())
        self.write_runtime()

    def write_runtime(self) -> None:
        """`runtime.json` (servelo_dev.devstack.runtime): for the `servelo` CLI."""
        public_port = self.common_env().get("SERVELO_PUBLIC_PORT", "")
        runtime.write(
            self.data_dir,
            runtime.Runtime(
                pid=os.getpid(),
                env=self.config.env,
                database=self.config.database,
                role_prefix=self.config.role_prefix,
                base_domain=self.config.base_domain,
                system_org=self.config.system_org,
                gateway_port=self.config.gateway_port,
                public_port=int(public_port) if public_port.isdigit() else None,
                postgres_port=self.pg.port if self.pg is not None else None,
                nats_url=self.nats_url if self.nats is not None else None,
                services=list(self.config.services),
                processes={name: p.port for name, p in self.processes.items()},
            ),
        )

    async def _provision_and_migrate(self) -> dict[str, str]:
        dsns = await provision(
            self.admin_dsn,
            database=self.config.database,
            role_prefix=self.config.role_prefix,
            services={s: self.secrets[f"db_password_{s}"] for s in self.config.services},
        )
        for service in self.config.services:
            await migrate_dsn(dsns[service], schema=service, folder=migrations_dir(service))
        return dsns

    @property
    def database_dsn(self) -> str:
        """Administrator connection to the platform database (tests count rows with it)."""
        from servelo_common.provision import with_database

        return with_database(self.admin_dsn, self.config.database)

    # -- processes ---------------------------------------------------------------------
    def common_env(self) -> dict[str, str]:
        """What every component gets: the caller's environment, then the stack's values."""
        caller = self.config.environ
        env = {k: v for k, v in caller.items() if k not in STACK_OWNED | AUTH_ONLY}
        # Links in mail point at the gateway unless the operator says otherwise (a proxy).
        env.setdefault("SERVELO_PUBLIC_PORT", str(self.config.gateway_port))
        env.update(
            {
                "SERVELO_ENV": self.config.env,
                "SERVELO_NATS_URL": self.nats_url,
                "SERVELO_INTERNAL_SECRET": self.secrets["internal_secret"],
                "SERVELO_BASE_DOMAIN": self.config.base_domain,
                "SERVELO_SYSTEM_ADMIN_ORG": self.config.system_org,
                "SERVELO_DATA_DIR": str(self.data_dir),
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.config.smtp_url:
            env["SERVELO_SMTP_URL"] = self.config.smtp_url
        env.update(self.config.extra_env)
        return env

    def _metrics_port(self, name: str) -> int:
        # Kept across restarts of the same process, so a scraper's target does not move.
        if name not in self.metrics_ports:
            self.metrics_ports[name] = free_port()
        return self.metrics_ports[name]

    def service_env(self, service: str, port: int) -> dict[str, str]:
        env = self.common_env()
        env.update(
            {
                "SERVELO_DATABASE_URL": self.service_dsns[service],
                "SERVELO_HOST": "127.0.0.1",
                "SERVELO_PORT": str(port),
                "SERVELO_METRICS_PORT": str(self._metrics_port(service)),
            }
        )
        if service == "auth":
            env.update(
                {
                    "SERVELO_JWT_KEYS": self.secrets["jwt_keys"],
                    "SERVELO_BOOTSTRAP_ADMIN_EMAIL": self.config.admin_email,
                    "SERVELO_BOOTSTRAP_ADMIN_PASSWORD": self.admin_password,
                }
            )
        return env

    def gateway_env(self, name: str = "gateway", port: int | None = None) -> dict[str, str]:
        env = self.common_env()
        env.update(
            {
                "SERVELO_GATEWAY_HOST": "127.0.0.1",
                "SERVELO_GATEWAY_PORT": str(port or self.config.gateway_port),
                "SERVELO_GATEWAY_ADMIN_PORT": str(self._metrics_port(name)),
            }
        )
        for service in ALL_SERVICES:
            proc = self.processes.get(service)
            env[f"SERVELO_{service.upper()}_URL"] = f"http://127.0.0.1:{proc.port}" if proc else ""
        return env

    def _spawn(self, name: str, args: list[str], env: dict[str, str], port: int) -> None:
        logs = self.data_dir / "logs"
        logs.mkdir(exist_ok=True)
        log_path = logs / f"{name}.log"
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, *args],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = Process(name, proc, port, log_path)

    def start_services(self) -> None:
        for service in self.config.services:
            port = free_port()
            env = self.service_env(service, port)
            self._spawn(
                service, ["-m", "servelo_common.serve", f"{service}.main:create_app"], env, port
            )
        for service in self.config.services:
            self.wait_http(service, "/healthz", timeout=60)

    def start_gateway(
        self, name: str = "gateway", port: int | None = None, env: dict[str, str] | None = None
    ) -> Process:
        """The gateway (or another replica of it: a `name`, a `port` and `env` overrides)."""
        port = port or self.config.gateway_port
        full = self.gateway_env(name, port)
        full.update(env or {})
        self._spawn(name, ["-m", "gateway"], full, port)
        self.wait_http(name, "/readyz", timeout=60)
        return self.processes[name]

    def stop_process(self, name: str) -> None:
        """Stop one process this stack started (a test's extra gateway replica, say)."""
        proc = self.processes.pop(name)
        proc.proc.terminate()
        try:
            proc.proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.proc.kill()
            proc.proc.wait(5)

    def start_replica(self, name: str, component: str, env: dict[str, str]) -> Process:
        """One more replica of `component` (a service or "gateway") named `name`, with `env`
        on top of what the first one gets (tests: replicas, other settings)."""
        port = free_port()
        if component == "gateway":
            full = self.gateway_env(name, port)
            args = ["-m", "gateway"]
            ready = "/readyz"
        else:
            full = self.service_env(component, port)
            full["SERVELO_METRICS_PORT"] = str(self._metrics_port(name))
            args = ["-m", "servelo_common.serve", f"{component}.main:create_app"]
            ready = "/healthz"
        full.update(env)
        self._spawn(name, args, full, port)
        try:
            self.wait_http(name, ready, timeout=60)
        except Exception:
            self.stop_process(name)
            raise
        return self.processes[name]

    def wait_http(self, name: str, path: str, *, timeout: float) -> None:
        proc = self.processes[name]
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if proc.proc.poll() is not None:
                code = proc.proc.returncode
                raise RuntimeError(f"{name} exited ({code}):\n{self.log_tail(name)}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{proc.port}{path}", timeout=2):
                    return
            except OSError as exc:
                last = repr(exc)
            time.sleep(0.1)
        raise TimeoutError(f"{name} not ready at {path}: {last}\n{self.log_tail(name)}")

    def log_tail(self, name: str, size: int = 4000) -> str:
        proc = self.processes.get(name)
        if proc is None or not proc.log.exists():
            return ""
        return proc.log.read_bytes()[-size:].decode(errors="replace")

    def start(self) -> None:
        self.start_infrastructure()
        self.start_services()
        # The gateway learns tenants and keys from auth: without auth there is nothing to route.
        if "auth" in self.config.services:
            self.start_gateway()
        self.write_runtime()

    def dead_processes(self) -> list[str]:
        return [name for name, p in self.processes.items() if p.proc.poll() is not None]

    def stop(self) -> None:
        runtime.remove(self.data_dir)
        # The gateway first: its pooled upstream connections would hold services open.
        ordered = sorted(self.processes.values(), key=lambda p: p.name != "gateway")
        for group in (ordered[:1], ordered[1:]):
            for proc in group:
                if proc.proc.poll() is None:
                    proc.proc.terminate()
            for proc in group:
                try:
                    proc.proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.proc.kill()
                    proc.proc.wait(5)
        self.processes.clear()
        with contextlib.suppress(Exception):
            if self.nats is not None:
                self.nats.stop()
        if self.pg is not None:
            self.pg.stop()
