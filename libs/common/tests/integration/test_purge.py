import uuid

import asyncpg
import pytest
from servelo_common.db import system_tx
from servelo_common.purge import PLATFORM_TABLES, purge_platform_rows


async def seed(conn: asyncpg.Connection, org: uuid.UUID) -> None:
    await conn.execute(
        "INSERT INTO idempotency_keys (org_id, key, method, path, request_hash)"
        " VALUES ($1, 'k', 'POST', '/x', 'h')",
        org,
    )
    await conn.execute(
        "INSERT INTO mail_outbox (org_id, recipient, subject, text_body)"
        " VALUES ($1, 'a@example.com', 's', 't')",
        org,
    )
    await conn.execute(
        "INSERT INTO inbox (consumer, event_id, org_id, type) VALUES ('c', $1, $2, 't')",
        uuid.uuid4(),
        org,
    )
    await conn.execute(
        "INSERT INTO dead_letters (consumer, org_id, subject, payload, error,"
        " deliveries) VALUES ('c', $1, 's', '{}', 'e', 5)",
        org,
    )
    await conn.execute(
        "INSERT INTO outbox (id, subject, event) VALUES ($1, 's', $2)",
        uuid.uuid4(),
        {"tenant": str(org)},
    )


async def counts(conn: asyncpg.Connection, org: uuid.UUID) -> dict[str, int]:
    found = {
        t: await conn.fetchval(f"SELECT count(*) FROM {t} WHERE org_id = $1", org)
        for t in PLATFORM_TABLES
    }
    found["outbox"] = await conn.fetchval(
        "SELECT count(*) FROM outbox WHERE event->>'tenant' = $1", str(org)
    )
    return found


@pytest.mark.parametrize("include_outbox", [True, False])
async def test_purge_removes_only_that_orgs_platform_rows(
    pool: asyncpg.Pool, include_outbox: bool
) -> None:
    gone, kept = uuid.uuid4(), uuid.uuid4()
    async with system_tx(pool) as conn:
        await seed(conn, gone)
        await seed(conn, kept)
        deleted = await purge_platform_rows(conn, org_id=gone, include_outbox=include_outbox)
        assert all(deleted[t] == 1 for t in PLATFORM_TABLES)
        left = await counts(conn, gone)
        assert all(left[t] == 0 for t in PLATFORM_TABLES)
        assert left["outbox"] == (0 if include_outbox else 1)
        assert set((await counts(conn, kept)).values()) == {1}
