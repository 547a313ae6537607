"""One rule for every copy of another service's records: newest event wins, deletion is final."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from servelo_common.db import system_tx
from servelo_common.events import CloudEvent
from servelo_common.replicas import (
    apply_customer_event,
    customer_exists,
    replica_exists,
    upsert_replica,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
async def conn(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    async with system_tx(pool) as conn:
        await conn.execute(
            "CREATE TABLE customers (org_id uuid NOT NULL, id uuid NOT NULL,"
            " name text NOT NULL DEFAULT '', deleted boolean NOT NULL DEFAULT false,"
            " event_time timestamptz NOT NULL, PRIMARY KEY (org_id, id))"
        )
        yield conn


async def apply(
    conn: asyncpg.Connection,
    org: uuid.UUID,
    cid: uuid.UUID,
    *,
    name: str | None = "Acme",
    deleted: bool = False,
    at: datetime = T0,
) -> bool:
    return await upsert_replica(
        conn,
        table="customers",
        org_id=org,
        record_id=cid,
        name=name,
        deleted=deleted,
        event_time=at,
    )


async def stored(conn: asyncpg.Connection, org: uuid.UUID, cid: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow(
        "SELECT name, deleted, event_time FROM customers WHERE org_id = $1 AND id = $2", org, cid
    )
    assert row is not None
    return row


async def test_newer_event_wins_and_older_one_changes_nothing(conn: asyncpg.Connection) -> None:
    org, cid = uuid.uuid4(), uuid.uuid4()
    assert await apply(conn, org, cid, name="Acme")
    assert await apply(conn, org, cid, name="Acme Ltd", at=T0 + timedelta(seconds=1))
    assert not await apply(conn, org, cid, name="Late", at=T0)
    row = await stored(conn, org, cid)
    assert (row["name"], row["event_time"]) == ("Acme Ltd", T0 + timedelta(seconds=1))
    assert await replica_exists(conn, table="customers", org_id=org, record_id=cid)
    assert not await replica_exists(conn, table="customers", org_id=uuid.uuid4(), record_id=cid)


async def test_deletion_wins_whenever_it_arrives_and_is_final(conn: asyncpg.Connection) -> None:
    org, cid = uuid.uuid4(), uuid.uuid4()
    await apply(conn, org, cid, at=T0 + timedelta(minutes=5))
    assert await apply(conn, org, cid, name=None, deleted=True, at=T0)
    row = await stored(conn, org, cid)
    assert (row["name"], row["deleted"], row["event_time"]) == (
        "Acme",
        True,
        T0 + timedelta(minutes=5),
    )
    assert not await apply(conn, org, cid, name=None, deleted=True, at=T0)  # once only
    assert not await apply(conn, org, cid, name="Back", at=T0 + timedelta(hours=1))
    assert not await replica_exists(conn, table="customers", org_id=org, record_id=cid)


async def test_deletion_of_an_unseen_record_leaves_a_tombstone(conn: asyncpg.Connection) -> None:
    org, cid = uuid.uuid4(), uuid.uuid4()
    assert await apply(conn, org, cid, name=None, deleted=True)
    assert not await apply(conn, org, cid, name="Created late", at=T0 - timedelta(seconds=1))
    row = await stored(conn, org, cid)
    assert (row["name"], row["deleted"]) == ("", True)


async def test_table_names_come_from_code_only(conn: asyncpg.Connection) -> None:
    with pytest.raises(ValueError, match="table name"):
        await apply_to(conn, "customers; DROP TABLE customers")


async def apply_to(conn: asyncpg.Connection, table: str) -> bool:
    return await upsert_replica(
        conn,
        table=table,
        org_id=uuid.uuid4(),
        record_id=uuid.uuid4(),
        name="x",
        deleted=False,
        event_time=T0,
    )


def customer_event(
    kind: str, org: uuid.UUID, cid: uuid.UUID, *, name: str | None = "Acme", at: datetime = T0
) -> CloudEvent:
    data = {"id": str(cid)} if name is None else {"id": str(cid), "name": name}
    return CloudEvent(
        id=str(uuid.uuid4()),
        source="servelo/crm",
        type=f"customer-{kind}",
        time=at.isoformat().replace("+00:00", "Z"),
        subject=str(cid),
        tenant=str(org),
        data=data,
    )


async def test_crm_customer_events_keep_the_copy(conn: asyncpg.Connection) -> None:
    org, cid = uuid.uuid4(), uuid.uuid4()
    assert await apply_customer_event(conn, customer_event("created", org, cid))
    later = T0 + timedelta(seconds=2)
    assert await apply_customer_event(conn, customer_event("updated", org, cid, name="B", at=later))
    assert (await stored(conn, org, cid))["name"] == "B"
    assert await customer_exists(conn, org_id=org, customer_id=cid)
    assert await apply_customer_event(conn, customer_event("deleted", org, cid, name=None))
    assert not await customer_exists(conn, org_id=org, customer_id=cid)
    assert not await apply_customer_event(conn, customer_event("deleted", org, cid, name=None))
