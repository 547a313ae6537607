"""components/migrations' init container script against a real Postgres: it waits while a
service's schema lacks a migration of the installed code, and lets it start once the
migration Job (here: the same migrate function) has run."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from servelo_common.migrate import migrate_dsn
from servelo_common.provision import drop_database, provision
from servelo_dev.devstack.stack import migrations_dir

from .conftest import K8S

SCRIPT = K8S / "components" / "migrations" / "wait_for_migrations.py"


def wait(dsn: str, service: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SERVELO_DATABASE_URL": dsn, "WAIT_TIMEOUT": str(timeout)}
    return subprocess.run(
        [sys.executable, str(SCRIPT), service],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def fresh_auth_dsn(stack: Any) -> Iterator[str]:
    """A provisioned but unmigrated `auth` role and schema in a database of its own."""
    name = f"servelo_waittest_{secrets.token_hex(4)}"
    admin = stack.stack.admin_dsn
    dsns = asyncio.run(
        provision(admin, database=name, role_prefix=name, services={"auth": secrets.token_hex(12)})
    )
    yield dsns["auth"]
    asyncio.run(drop_database(admin, name, role=f"{name}_auth"))


def test_a_migrated_service_starts_at_once(stack: Any) -> None:
    result = wait(stack.stack.service_dsns["auth"], "auth", timeout=30)
    assert result.returncode == 0, result.stderr
    assert "auth: all" in result.stdout and "migrations applied" in result.stdout


def test_it_waits_until_the_job_has_migrated(fresh_auth_dsn: str) -> None:
    pending = wait(fresh_auth_dsn, "auth", timeout=1)
    assert pending.returncode == 1
    assert "waiting for the migration Job: platform/0001" in pending.stdout
    assert "service/0001" in pending.stdout
    asyncio.run(migrate_dsn(fresh_auth_dsn, schema="auth", folder=migrations_dir("auth")))
    done = wait(fresh_auth_dsn, "auth", timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_unreachable_database_is_waited_for_not_a_crash() -> None:
    result = wait("postgresql://nobody:x@127.0.0.1:1/none", "auth", timeout=1)
    assert result.returncode == 1
    assert "database not reachable yet" in result.stdout
    assert "Traceback" not in result.stderr
