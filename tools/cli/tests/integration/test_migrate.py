"""`servelo migrate status|apply`: the test stack is up to date; a freshly provisioned
database is migrated by the CLI as each service's own role (the environment path)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from servelo_common.provision import drop_database, provision

from .conftest import Cli


async def test_the_stack_is_up_to_date(cli: Cli, stack: Any) -> None:
    result = await cli("migrate", "status", "--json")
    assert result.code == 0, result
    assert {s["service"] for s in result.json} == set(stack.services)
    for status in result.json:
        assert status["pending"] == [] and status["error"] is None, status
        assert any(m.startswith("platform/0001_") for m in status["applied"])
    applied = await cli("migrate", "apply", "--json")
    assert applied.code == 0, applied
    assert all(r["applied"] == [] for r in applied.json)


@dataclass
class Fresh:
    database: str
    prefix: str
    env: dict[str, str]

    @property
    def args(self) -> list[str]:
        return ["--database", self.database, "--role-prefix", self.prefix, "--service", "team"]


@pytest.fixture
async def fresh(stack: Any) -> AsyncIterator[Fresh]:
    """A new database with team's role and schema, as provision.sql leaves them: empty."""
    suffix = secrets.token_hex(4)
    database, prefix = f"cli_fresh_{suffix}", f"cli_fresh_{suffix}"
    admin = stack.stack.admin_dsn
    await provision(admin, database=database, role_prefix=prefix, services={"team": "pw"})
    yield Fresh(database, prefix, {"SERVELO_DATABASE_URL": admin})
    await drop_database(admin, database)
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f"DROP ROLE {prefix}_team")
    finally:
        await conn.close()


async def test_apply_migrates_a_fresh_schema_as_its_role(
    cli: Cli, stack: Any, fresh: Fresh
) -> None:
    before = await cli("migrate", "status", "--json", *fresh.args, env=fresh.env)
    assert before.code == 0, before
    (status,) = before.json
    assert status["applied"] == []
    assert "platform/0001_platform.sql" in status["pending"]
    assert any(p.startswith("service/0001_") for p in status["pending"])

    applied = await cli("migrate", "apply", "--json", *fresh.args, env=fresh.env)
    assert applied.code == 0, applied
    assert applied.json[0]["applied"] == status["pending"]

    after = await cli("migrate", "status", "--json", *fresh.args, env=fresh.env)
    assert after.json[0]["pending"] == [] and after.json[0]["applied"] == status["pending"]
    # Made by the service's role, as the service would have: it owns everything.
    check = await cli("check", "--no-components", "--json", *fresh.args, env=fresh.env)
    schema = next(
        c for c in check.json["checks"] if c["component"] == "team" and c["check"] == "schema"
    )
    assert schema["ok"], check
    migrations = next(c for c in check.json["checks"] if c["check"] == "migrations")
    assert migrations["ok"], check


async def test_a_role_that_does_not_exist_is_named(cli: Cli, stack: Any) -> None:
    env = {"SERVELO_DATABASE_URL": stack.stack.admin_dsn}
    database = stack.stack.config.database
    result = await cli(
        "migrate", "apply", "--database", database, "--role-prefix", "nobody",
        "--service", "team", env=env,
    )  # fmt: skip
    assert result.code == 3, result
    assert "role nobody_team does not exist" in result.stderr
    assert "--role-prefix" in result.stderr
