"""0002 renumbers the roles of a database migrated with 0001 only, per org, keeping links.

The schema is migrated by the real runner as a non-superuser owner (as services run), so
row-level security applies to the migration as it would in production.
"""

from __future__ import annotations

import secrets
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from servelo_common.migrate import migrate
from team.repository import roles as repo

MIGRATIONS = Path(__file__).parents[2] / "migrations"
ORG_A, ORG_B = uuid.uuid4(), uuid.uuid4()


@pytest.fixture
async def owner_conn(stack: Any) -> AsyncIterator[tuple[asyncpg.Connection, str]]:
    """A connection acting as the owner of a fresh, empty schema (dropped afterwards)."""
    name = "team_mig_" + secrets.token_hex(4)
    conn = await asyncpg.connect(stack.admin_dsn)
    try:
        await conn.execute(f"CREATE ROLE {name} NOLOGIN")
        await conn.execute(f"CREATE SCHEMA {name} AUTHORIZATION {name}")
        await conn.execute(f"SET ROLE {name}")
        yield conn, name
    finally:
        await conn.execute("RESET ROLE")
        await conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        await conn.execute(f"DROP OWNED BY {name}")
        await conn.execute(f"DROP ROLE {name}")
        await conn.close()


async def _role(conn: asyncpg.Connection, org: uuid.UUID, name: str) -> int:
    role_id: int = await conn.fetchval(
        "INSERT INTO roles (org_id, name) VALUES ($1, $2) RETURNING id", org, name
    )
    return role_id


async def _member(conn: asyncpg.Connection, org: uuid.UUID, role_id: int | None) -> uuid.UUID:
    member_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO team_members (id, org_id, name, role_id, hourly_rate, updated_at)"
        " VALUES ($1, $2, 'M', $3, 10, '2025-01-01')",
        member_id,
        org,
        role_id,
    )
    return member_id


async def _seed_with_0001(conn: asyncpg.Connection, schema: str, tmp_path: Path) -> dict[str, Any]:
    """Roles of two orgs interleaved in the one identity sequence, one deleted, and members."""
    only_0001 = tmp_path / "migrations"
    only_0001.mkdir()
    shutil.copy(MIGRATIONS / "0001_init.sql", only_0001)
    await migrate(conn, schema=schema, folder=only_0001)
    await conn.execute("SET servelo.all_orgs = 'on'")  # just to seed past the row security
    a1 = await _role(conn, ORG_A, "A1")
    await _role(conn, ORG_B, "B1")
    a_gone = await _role(conn, ORG_A, "A gone")
    b2 = await _role(conn, ORG_B, "B2")
    a3 = await _role(conn, ORG_A, "A3")
    await conn.execute("DELETE FROM roles WHERE id = $1", a_gone)
    members = {
        "a_a3": await _member(conn, ORG_A, a3),
        "a_a1": await _member(conn, ORG_A, a1),
        "b_b2": await _member(conn, ORG_B, b2),
        "a_none": await _member(conn, ORG_A, None),
    }
    await conn.execute("RESET servelo.all_orgs")
    return members


async def test_0002_renumbers_roles_per_org_and_keeps_member_links(
    owner_conn: tuple[asyncpg.Connection, str], tmp_path: Path
) -> None:
    conn, schema = owner_conn
    members = await _seed_with_0001(conn, schema, tmp_path)
    applied = await migrate(conn, schema=schema, folder=MIGRATIONS)
    # 0002 comes right after 0001 (later migrations follow it).
    assert applied[0] == "service/0002_per_org_role_ids.sql"
    await conn.execute("RESET ROLE")  # superuser from here on: sees every org's rows
    roles = await conn.fetch("SELECT org_id, id, name FROM roles ORDER BY name")
    assert [(r["org_id"], r["id"], r["name"]) for r in roles] == [
        (ORG_A, 1, "A1"),
        (ORG_A, 2, "A3"),
        (ORG_B, 1, "B1"),
        (ORG_B, 2, "B2"),
    ]
    rows = await conn.fetch(
        "SELECT m.id, m.role_id, r.name AS role_name, m.updated_at FROM team_members m"
        " LEFT JOIN roles r ON r.org_id = m.org_id AND r.id = m.role_id"
    )
    held = {r["id"]: (r["role_id"], r["role_name"], r["updated_at"].year) for r in rows}
    assert held == {
        members["a_a3"]: (2, "A3", 2025),
        members["a_a1"]: (1, "A1", 2025),
        members["b_b2"]: (2, "B2", 2025),
        members["a_none"]: (None, None, 2025),
    }
    counters = await conn.fetch("SELECT org_id, next_id FROM role_counters")
    assert {r["org_id"]: r["next_id"] for r in counters} == {ORG_A: 3, ORG_B: 3}
    with pytest.raises(asyncpg.ForeignKeyViolationError):  # the key is back: A has no role 3
        await conn.execute("UPDATE team_members SET role_id = 3 WHERE id = $1", members["a_a1"])
    # The service, as the owner under row-level security, carries on from the counter.
    await conn.execute(f"SET ROLE {schema}")
    async with conn.transaction():
        await conn.execute("SELECT set_config('servelo.org_id', $1, true)", str(ORG_A))
        inserted = await repo.insert_role(conn, org_id=ORG_A, name="A4")
        assert (inserted["id"], inserted["name"]) == (3, "A4")
    org_c = uuid.uuid4()
    async with conn.transaction():
        await conn.execute("SELECT set_config('servelo.org_id', $1, true)", str(org_c))
        assert (await repo.insert_role(conn, org_id=org_c, name="C1"))["id"] == 1
