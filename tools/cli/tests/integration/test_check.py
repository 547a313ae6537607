"""`servelo check` against the test stack, and what it says when something is wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg
from servelo_dev.devstack import runtime
from servelo_dev.devstack.embedded import free_port

from .conftest import Cli, clean_env, run_cli


def failures(result: Any) -> list[tuple[str, str, str]]:
    return [(c["component"], c["check"], c["detail"]) for c in result.json["checks"] if not c["ok"]]


async def test_the_stack_passes_every_check(cli: Cli, stack: Any) -> None:
    result = await cli("check", "--json")
    assert result.code == 0, result
    assert result.json["ok"] is True
    checks = {(c["component"], c["check"]) for c in result.json["checks"]}
    for service in stack.services:
        for check in ("role", "schema", "login", "migrations", "ready"):
            assert (service, check) in checks, (service, check)
    assert {("postgres", "reachable"), ("nats", "reachable"), ("nats", "stream")} <= checks
    assert ("gateway", "ready") in checks
    human = await cli("check")
    assert human.code == 0 and human.stdout.rstrip().endswith("all good"), human


async def test_nats_away_fails_with_its_reason(cli: Cli, stack: Any) -> None:
    url = f"nats://127.0.0.1:{free_port()}"
    result = await cli("check", "--no-components", "--json", env={"SERVELO_NATS_URL": url})
    assert result.code == 1, result
    ((component, check, detail),) = failures(result)
    assert (component, check) == ("nats", "reachable")
    assert "cannot reach NATS (SERVELO_NATS_URL, 127.0.0.1:" in detail
    assert "Connect call failed" in detail


async def test_an_object_the_service_does_not_own_is_found(
    cli: Cli, stack: Any, db: asyncpg.Connection
) -> None:
    service = stack.services[-1]
    # As a migration run by the wrong login would leave it: the service could not alter it.
    await db.execute(f"CREATE TABLE {service}.made_by_someone_else (x int)")
    try:
        result = await cli("check", "--no-components", "--service", service, "--json")
    finally:
        await db.execute(f"DROP TABLE {service}.made_by_someone_else")
    assert result.code == 1, result
    ((component, check, detail),) = failures(result)
    assert (component, check) == (service, "schema")
    assert "made_by_someone_else (postgres)" in detail


async def test_a_role_with_bypassrls_is_refused(
    cli: Cli, stack: Any, db: asyncpg.Connection
) -> None:
    role = f"{stack.stack.config.role_prefix}_cli_probe"
    await db.execute(f"CREATE ROLE {role} LOGIN BYPASSRLS")
    await db.execute(f"CREATE SCHEMA cli_probe AUTHORIZATION {role}")
    try:
        result = await cli("check", "--no-components", "--service", "cli_probe", "--json")
    finally:
        await db.execute("DROP SCHEMA cli_probe")
        await db.execute(f"DROP ROLE {role}")
    details = {(c, k): d for c, k, d in failures(result)}
    assert "BYPASSRLS" in details[("cli_probe", "role")]


async def test_embedded_servers_not_running_are_said_so(tmp_path: Path) -> None:
    nothing = await run_cli("outbox", "status", "--data-dir", str(tmp_path), env=clean_env())
    assert nothing.code == 3, nothing
    assert "set SERVELO_DATABASE_URL, or start the platform with `make run`" in nothing.stderr

    # A folder whose stack stopped without removing its runtime file (killed).
    (tmp_path / "pg").mkdir()
    (tmp_path / "pg" / "superuser-password").write_text("x")
    runtime.write(
        tmp_path,
        runtime.Runtime(
            pid=1, env="development", database="servelo", role_prefix="servelo",
            base_domain="localhost", system_org="admin", gateway_port=8080, public_port=None,
            postgres_port=free_port(), nats_url=f"nats://127.0.0.1:{free_port()}",
        ),
    )  # fmt: skip
    stale = await run_cli(
        "outbox", "status", "--json", "--data-dir", str(tmp_path), env=clean_env()
    )
    assert stale.code == 3, stale
    assert stale.json["code"] == "unavailable"
    assert (
        "The embedded Postgres is not running: start the platform with `make run`"
        in (stale.json["error"])
    )
    check = await run_cli("check", "--data-dir", str(tmp_path), env=clean_env())
    assert check.code == 1, check
    assert "FAIL  postgres" in check.stdout and "FAIL  nats" in check.stdout
