"""The shared row statements on a real tenant table: tenant-scoped, whitelisted, paged."""

import uuid

import asyncpg
import pytest
from servelo_common.db import system_tx, tenant_tx
from servelo_common.repository import (
    affected,
    delete_row,
    get_row,
    insert_row,
    list_page,
    one,
    update_row,
)
from servelo_common.sql import Where

COLUMNS = frozenset({"name"})


@pytest.fixture
async def things(pool: asyncpg.Pool) -> asyncpg.Pool:
    async with system_tx(pool) as conn:
        await conn.execute(
            "CREATE TABLE things (org_id uuid NOT NULL, id uuid NOT NULL, name text NOT NULL,"
            " updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (org_id, id))"
        )
        await conn.execute("SELECT enable_tenant_isolation('things')")
    return pool


async def test_a_row_is_inserted_read_updated_and_deleted_in_its_tenant_only(
    things: asyncpg.Pool,
) -> None:
    org, other, row_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with tenant_tx(things, org) as conn:
        row = await insert_row(
            conn, "things", COLUMNS, org_id=org, row_id=row_id, values={"name": "a"}
        )
        assert row["name"] == "a"
        with pytest.raises(ValueError, match="not insertable"):
            await insert_row(
                conn, "things", COLUMNS, org_id=org, row_id=uuid.uuid4(), values={"id": 1}
            )
    async with tenant_tx(things, other) as conn:
        assert await get_row(conn, "things", org_id=org, row_id=row_id) is None
        assert await delete_row(conn, "things", org_id=org, row_id=row_id) is None
    async with tenant_tx(things, org) as conn:
        got = await get_row(
            conn, "things", org_id=org, row_id=row_id, columns="name", lock="UPDATE"
        )
        assert got is not None and dict(got) == {"name": "a"}
        assert await get_row(conn, "things", org_id=org, row_id=row_id, also=" AND false") is None
        changed = await update_row(
            conn, "things", COLUMNS, org_id=org, row_id=row_id, changes={"name": "b"}
        )
        assert changed is not None and changed["name"] == "b"
        deleted = await delete_row(conn, "things", org_id=org, row_id=row_id)
        assert deleted is not None and deleted["id"] == row_id
        assert affected(await conn.execute("DELETE FROM things WHERE org_id = $1", org)) == 0


async def test_pages_follow_the_key_both_ways(things: asyncpg.Pool) -> None:
    org = uuid.uuid4()
    async with tenant_tx(things, org) as conn:
        for name in "abcde":
            await one(
                conn,
                "INSERT INTO things (org_id, id, name) VALUES ($1, $2, $3) RETURNING id",
                org,
                uuid.uuid4(),
                name,
            )

        async def names(*, descending: bool, after: list[object] | None) -> list[str]:
            rows = await list_page(
                conn,
                "SELECT name, id FROM things",
                Where().add("org_id = {}", org),
                order=("name", "id"),
                descending=descending,
                limit=2,
                after=after,
            )
            return [r["name"] for r in rows]

        assert await names(descending=False, after=None) == ["a", "b"]
        b = await conn.fetchval("SELECT id FROM things WHERE name = 'b'")
        assert await names(descending=False, after=["b", b]) == ["c", "d"]
        assert await names(descending=True, after=["b", b]) == ["a"]
        assert await names(descending=True, after=None) == ["e", "d"]
