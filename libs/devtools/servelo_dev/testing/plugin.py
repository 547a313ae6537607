"""pytest plugin: the real platform, started once per session, and a fresh tenant per test.

Postgres and NATS come from `SERVELO_TEST_DATABASE_URL` / `SERVELO_TEST_NATS_URL` when set,
else from testcontainers when a Docker engine answers, else embedded servers from pip on free
ports in a temporary folder. `SERVELO_TEST_SERVICES=auth,tickets` starts only those services.

`chaos_stack` is a second, separate platform (always embedded servers, durable commits) for
the fault tests (`@pytest.mark.chaos`): they SIGKILL its Postgres and NATS, so the rest of
the suite, on `stack`, is not disturbed.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import nats
import pytest

from servelo_dev.devstack.embedded import free_port
from servelo_dev.devstack.stack import Stack, StackConfig, available_services
from servelo_dev.testing.client import ApiClient
from servelo_dev.testing.events import EventPublisher
from servelo_dev.testing.mail import MailCatcher
from servelo_dev.testing.tenants import Tenant, eventually, login

SYSTEM_ADMIN_EMAIL = "sysadmin@example.com"


def client_address() -> str:
    """A fresh, unique client address for X-Forwarded-For."""
    return str(ipaddress.IPv6Address(b"\xfd" + secrets.token_bytes(15)))


class TestStack:
    """What tests see of the running platform."""

    __test__ = False  # not a test class

    def __init__(self, stack: Stack, mail: MailCatcher) -> None:
        self.stack = stack
        self.mail = mail
        self.gateway_url = f"http://127.0.0.1:{stack.config.gateway_port}"
        self.base_domain = stack.config.base_domain
        self.system_org = stack.config.system_org
        self.admin_email = stack.config.admin_email
        self.admin_password = stack.admin_password
        self.admin_dsn = stack.database_dsn
        self.nats_url = stack.nats_url
        self.services = list(stack.config.services)
        self._sysadmin_token: tuple[str, float] | None = None

    def host(self, slug: str) -> str:
        return f"{slug}.{self.base_domain}"

    def service_url(self, name: str) -> str:
        """A service's own address, behind the gateway (for tests that bypass it)."""
        return f"http://127.0.0.1:{self.stack.processes[name].port}"

    @property
    def internal_secret(self) -> bytes:
        """What the gateway signs identities with (tests forge or replay headers with it)."""
        return self.stack.secrets["internal_secret"].encode()

    def client(self, http: aiohttp.ClientSession, slug: str, token: str | None = None) -> ApiClient:
        # Each client from its own address, as real ones are: the per-address sign-in
        # limits of one test never touch another's (IPv6 from fd00::/8: no collisions).
        return ApiClient(http, self.gateway_url, self.host(slug), token, client_ip=client_address())

    async def system_admin(self, http: aiohttp.ClientSession) -> ApiClient:
        cached = self._sysadmin_token
        if cached and cached[1] > time.monotonic():
            return self.client(http, self.system_org, cached[0])
        logged = await login(
            self.client(http, self.system_org), self.admin_email, self.admin_password, timeout=15
        )
        assert logged.token
        self._sysadmin_token = (logged.token, time.monotonic() + 600)
        return logged

    @contextlib.contextmanager
    def replica(self, component: str, env: dict[str, str] | None = None) -> Iterator[str]:
        """One more replica of a service or of the gateway, with `env` on top of the first
        one's settings; yields its base URL and stops it after."""
        name = f"{component}-replica-{secrets.token_hex(3)}"
        proc = self.stack.start_replica(name, component, env or {})
        try:
            yield f"http://127.0.0.1:{proc.port}"
        finally:
            self.stack.stop_process(name)

    @property
    def can_restart_nats(self) -> bool:
        return self.stack.nats is not None

    @property
    def can_kill_postgres(self) -> bool:
        return self.stack.pg is not None

    def stop_nats(self) -> None:
        assert self.stack.nats is not None, "NATS is external: cannot stop it"
        self.stack.nats.stop()

    def kill_nats(self) -> None:
        """SIGKILL nats-server; `start_nats()` brings it back on the same port and data."""
        assert self.stack.nats is not None, "NATS is external: cannot kill it"
        self.stack.nats.kill()

    def start_nats(self) -> None:
        assert self.stack.nats is not None
        self.stack.nats.start()

    def kill_postgres(self) -> None:
        """SIGKILL the postmaster and its backends; `start_postgres()` restarts it on the
        same port and data folder (crash recovery included)."""
        assert self.stack.pg is not None, "Postgres is external: cannot kill it"
        self.stack.pg.kill()

    def start_postgres(self) -> None:
        assert self.stack.pg is not None
        self.stack.pg.start()

    def pids(self) -> dict[str, int]:
        """The platform's processes: a recovery without restarts keeps every one."""
        return {name: p.proc.pid for name, p in self.stack.processes.items()}

    def log_tail(self, name: str, size: int = 4000) -> str:
        return self.stack.log_tail(name, size)


def _docker_answers() -> bool:
    if not shutil.which("docker"):
        return False
    try:
        return (
            subprocess.run(
                ["docker", "info"], capture_output=True, timeout=5, check=False
            ).returncode
            == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


def _containers() -> tuple[str, str, list[Any]]:
    from testcontainers.core.container import DockerContainer
    from testcontainers.postgres import PostgresContainer

    pg = PostgresContainer("postgres:16-alpine", driver=None)
    pg.start()
    nats = DockerContainer("nats:2.10-alpine").with_command("-js").with_exposed_ports(4222)
    nats.start()
    nats_url = f"nats://{nats.get_container_host_ip()}:{nats.get_exposed_port(4222)}"
    return pg.get_connection_url(), nats_url, [pg, nats]


@contextlib.contextmanager
def running_platform(
    *,
    prefix: str,
    external: bool = True,
    pg_fast: bool | None = None,
    services: list[str] | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[TestStack]:
    """The whole platform in a temporary folder, stopped and removed afterwards. With
    `external=False` the servers are always embedded ones (which a test may kill); `services`
    (else SERVELO_TEST_SERVICES, else all) and `env` for every component (the traced
    platform's OTEL_* variables)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    db_url = os.environ.get("SERVELO_TEST_DATABASE_URL") or None if external else None
    nats_url = os.environ.get("SERVELO_TEST_NATS_URL") or None if external else None
    containers: list[Any] = []
    if external and (db_url is None or nats_url is None) and _docker_answers():
        c_db, c_nats, containers = _containers()
        db_url, nats_url = db_url or c_db, nats_url or c_nats
    suffix = secrets.token_hex(4)
    mail = MailCatcher(free_port())
    mail.start()
    config = StackConfig(
        data_dir=folder,
        env="test",
        gateway_port=free_port(),
        services=services or available_services(os.environ.get("SERVELO_TEST_SERVICES")),
        database_url=db_url,
        nats_url=nats_url,
        database=f"servelo_test_{suffix}",
        role_prefix=f"servelo_test_{suffix}",
        admin_email=SYSTEM_ADMIN_EMAIL,
        admin_password="sysadmin-" + secrets.token_hex(8),
        smtp_url=mail.url,
        # The suite runs the same anywhere: a developer's own SERVELO_* settings (rate
        # limits, log level, ...) and OTEL_* ones (tracing on) do not reach the test stack.
        environ={k: v for k, v in os.environ.items() if not k.startswith(("SERVELO_", "OTEL_"))},
        extra_env={
            "SERVELO_PASSWORD_HASH_PROFILE": "fast",
            # Tests act as many clients from one address, through a trusted proxy header.
            "SERVELO_TRUSTED_PROXIES": "127.0.0.1",
            "SERVELO_DB_POOL_MAX": "5",
            # Webhook retries in fractions of a second (the rule is the same; docs/webhooks.md).
            "SERVELO_WEBHOOKS_RETRY_BASE": "0.2",
            "SERVELO_WEBHOOKS_RETRY_MAX": "1",
            "SERVELO_WEBHOOKS_POLL_INTERVAL": "0.2",
            **(env or {}),
        },
        pg_fast=pg_fast,
    )
    platform = Stack(config)
    try:
        platform.start()
    except Exception:
        platform.stop()
        mail.stop()
        raise
    try:
        yield TestStack(platform, mail)
    finally:
        platform.stop()
        mail.stop()
        for container in containers:
            container.stop()
        if db_url is not None and not containers:
            import asyncio

            from servelo_common.provision import drop_database

            asyncio.run(drop_database(db_url, config.database))
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def stack() -> Iterator[TestStack]:
    os.environ.setdefault("SERVELO_EMBEDDED_PG_FAST", "1")
    with running_platform(prefix="servelo-test-") as platform:
        yield platform


@pytest.fixture(scope="module")
def chaos_stack() -> Iterator[TestStack]:
    """A platform of its own whose Postgres and NATS the fault tests SIGKILL (per module,
    so it is gone before the rest of the suite runs). Commits are durable (synchronous
    commit on): an acknowledged write must survive the kill."""
    with running_platform(prefix="servelo-chaos-", external=False, pg_fast=False) as platform:
        yield platform


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=60)
    ) as session:
        yield session


async def make_tenant(stack: TestStack, http: aiohttp.ClientSession) -> Tenant:
    sysadmin = await stack.system_admin(http)
    slug = "t" + secrets.token_hex(5)
    email = f"admin@{slug}.example.com"
    password = "pw-" + secrets.token_urlsafe(12)
    resp = await sysadmin.post(
        "/api/admin/orgs",
        json={
            "slug": slug,
            "name": f"Org {slug}",
            "plan": "pro",
            "admin": {"email": email, "name": "Tenant Admin", "password": password},
        },
    )
    assert resp.status == 201, resp
    anon = stack.client(http, slug)
    # A new org reaches the gateway through an event: normally milliseconds, but allow for
    # a consumer that is resubscribing after a NATS restart earlier in the session.
    admin = await login(anon, email, password, timeout=15)
    return Tenant(slug=slug, org_id=str(resp.json["id"]), org=resp.json, admin=admin, anon=anon)


@pytest.fixture
async def tenant(stack: TestStack, http: aiohttp.ClientSession) -> Tenant:
    return await make_tenant(stack, http)


@pytest.fixture
async def other_tenant(stack: TestStack, http: aiohttp.ClientSession) -> Tenant:
    return await make_tenant(stack, http)


@pytest.fixture
async def db(stack: TestStack) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(stack.admin_dsn)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
async def event_publisher(stack: TestStack) -> AsyncIterator[EventPublisher]:
    """Publishes CloudEvents to the session's JetStream as another service would."""
    nc = await nats.connect(stack.nats_url)
    try:
        yield EventPublisher(nc)
    finally:
        await nc.close()


@pytest.fixture
def eventually_() -> Any:
    return eventually


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis (the property tests, schemathesis) keeps its example database and its
    constants cache in `.hypothesis/` of the working directory: files that record this
    machine's paths, which no checkout should carry or read. A run keeps them in a temporary
    folder of its own instead (`HYPOTHESIS_STORAGE_DIRECTORY`, when set, still decides)."""
    if os.getenv("HYPOTHESIS_STORAGE_DIRECTORY"):
        return
    try:
        from hypothesis.configuration import set_hypothesis_home_dir
    except ImportError:  # a package's tests without the dev group's Hypothesis
        return
    home = tempfile.mkdtemp(prefix="servelo-hypothesis-")
    set_hypothesis_home_dir(home)
    config.add_cleanup(lambda: shutil.rmtree(home, ignore_errors=True))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip integration tests of services this session does not start."""
    wanted = os.environ.get("SERVELO_TEST_SERVICES")
    if not wanted:
        return
    running = set(available_services(wanted))
    for item in items:
        parts = Path(str(item.fspath)).parts
        if "services" in parts:
            service = parts[parts.index("services") + 1]
            if service not in running and "integration" in parts:
                item.add_marker(pytest.mark.skip(reason=f"{service} not in SERVELO_TEST_SERVICES"))
