"""`servelo dead-letters` end to end: a real poison event dead-lettered by a real Consumer,
replayed through it (failing again, then handled once the cause is fixed), and a dead letter
of a running service replayed through that service's own consumer process."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import nats
import orjson
import pytest
from servelo_common.bus import EventBus
from servelo_common.consumer import Consumer, Subscription
from servelo_common.db import create_pool
from servelo_common.events import CloudEvent
from servelo_dev.testing.events import EventPublisher
from servelo_dev.testing.tenants import Tenant, eventually

from .conftest import Cli, Scratch


class Flaky:
    """A handler with a bug until it is fixed."""

    def __init__(self) -> None:
        self.broken = True
        self.calls: list[str] = []

    async def __call__(self, conn: asyncpg.Connection, event: CloudEvent) -> None:
        self.calls.append(event.id)
        if self.broken:
            raise ValueError("a bug in the handler")


@pytest.fixture
async def scratch_consumer(
    stack: Any, scratch: Scratch
) -> AsyncIterator[tuple[Consumer, Flaky, asyncpg.Pool, str]]:
    """A Consumer of the scratch schema (the class every service runs), on a subject of its
    own, giving up after two failed runs."""
    pool = await create_pool(scratch.dsn, schema=scratch.schema, application_name="test")
    bus = EventBus(stack.nats_url, name=scratch.schema)
    bus.start()
    await asyncio.wait_for(bus.wait_ready(), 10)
    subject = f"servelo.events.scratch.t{uuid.uuid4().hex[:12]}-happened"
    handler = Flaky()
    sub = Subscription("things", [subject], handler, max_deliver=2, backoff=(0.05,))
    consumer = Consumer(pool, bus, service=scratch.schema, subscription=sub)
    consumer.start()
    try:
        yield consumer, handler, pool, subject
    finally:
        await consumer.stop()
        await bus.close()
        await pool.close()


async def dead_letters(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return list(await conn.fetch("SELECT * FROM dead_letters ORDER BY id"))


async def test_replay_goes_through_the_consumer_until_the_cause_is_fixed(
    cli: Cli, stack: Any, scratch: Scratch, scratch_consumer: Any
) -> None:
    consumer, handler, pool, subject = scratch_consumer
    nc = await nats.connect(stack.nats_url)
    try:
        source, event_type = subject.split(".")[2:4]
        event_id = await EventPublisher(nc).publish(
            source, event_type, {"id": "x"}, tenant=str(uuid.uuid4())
        )
    finally:
        await nc.close()

    async def dead_lettered() -> asyncpg.Record:
        rows = await dead_letters(pool)
        assert len(rows) == 1, rows
        return rows[0]

    first = await eventually(dead_lettered, timeout=20)
    first_id = f"{scratch.schema}:{first['id']}"
    env, args = scratch.admin_env, scratch.args

    listed = await cli(
        "dead-letters", "list", "--service", scratch.schema, "--json", *args, env=env
    )
    assert listed.code == 0, listed
    (shown,) = listed.json
    assert shown["id"] == first_id and shown["consumer"] == consumer.durable
    assert shown["event_id"] == event_id and shown["type"] == event_type
    assert "a bug in the handler" in shown["error"] and shown["handled"] is False
    shown = (await cli("dead-letters", "show", first_id, "--json", *args, env=env)).json
    assert shown["payload"]["id"] == event_id and shown["subject"] == subject

    # Not fixed yet: the consumer runs it again, fails, dead-letters it again.
    calls = len(handler.calls)
    again = await cli("dead-letters", "replay", first_id, "--wait", "30", "--json", *args, env=env)
    assert again.code == 1, again
    (outcome,) = again.json
    assert outcome["outcome"] == "failed_again" and "a bug" in outcome["detail"]
    assert len(handler.calls) > calls  # it did go through the consumer
    (second,) = await dead_letters(pool)  # the first is replaced by the new one
    assert outcome["new_id"] == f"{scratch.schema}:{second['id']}"
    assert second["subject"] == subject  # its own subject, not the replay subject

    handler.broken = False  # the fix is deployed
    fixed = await cli(
        "dead-letters", "replay", outcome["new_id"], "--wait", "30", "--json", *args, env=env
    )
    assert fixed.code == 0, fixed
    assert fixed.json[0]["outcome"] == "handled"
    assert await dead_letters(pool) == []
    async with pool.acquire() as conn:
        handled = await conn.fetchval(
            "SELECT count(*) FROM inbox WHERE consumer = $1 AND event_id = $2",
            consumer.durable,
            uuid.UUID(event_id),
        )
    assert handled == 1
    ran = len(handler.calls)
    await asyncio.sleep(0.5)
    assert len(handler.calls) == ran  # acknowledged: no further delivery

    gone = await cli("dead-letters", "replay", outcome["new_id"], "--json", *args, env=env)
    assert gone.code == 1 and gone.json["code"] == "not_found", gone


def quote_accepted(tenant: Tenant) -> dict[str, Any]:
    quote = {
        "id": str(uuid.uuid4()),
        "number": 4242,
        "customer_id": None,
        "subtotal": "100.00",
        "tax": "0.00",
        "total": "100.00",
        "accepted_at": "2026-05-01T10:00:00.000000Z",
    }
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "servelo/crm",
        "type": "quote-accepted",
        "time": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "subject": quote["id"],
        "datacontenttype": "application/json",
        "tenant": tenant.org_id,
        "data": quote,
    }


async def insert_dead_letter(
    db: asyncpg.Connection, service: str, consumer: str, event: dict[str, Any] | None
) -> int:
    """A dead letter as the consumer writes one after giving up (`event` None: undecodable)."""
    row_id: int = await db.fetchval(
        f"INSERT INTO {service}.dead_letters (consumer, event_id, org_id, subject, payload,"
        " error, deliveries) VALUES ($1, $2, $3, $4, $5, 'KeyError(total)', 5) RETURNING id",
        consumer,
        uuid.UUID(event["id"]) if event else None,
        uuid.UUID(event["tenant"]) if event else None,
        "servelo.events.crm.quote-accepted",
        orjson.dumps(event).decode() if event else "{not json",
    )
    return row_id


async def revenue_of(tenant: Tenant, quote_id: str) -> list[dict[str, Any]]:
    resp = await tenant.admin.get("/api/revenue", params={"limit": "500"})
    assert resp.status == 200, resp
    return [r for r in resp.json if r["quote_id"] == quote_id]


async def test_a_services_dead_letter_is_handled_by_that_service(
    cli: Cli, stack: Any, tenant: Tenant, db: asyncpg.Connection
) -> None:
    if "finance" not in stack.services:
        pytest.skip("finance is not running")
    event = quote_accepted(tenant)
    row_id = await insert_dead_letter(db, "finance", "finance-events", event)

    result = await cli("dead-letters", "replay", f"finance:{row_id}", "--json")
    assert result.code == 0, result
    assert result.json[0]["outcome"] == "handled"
    (entry,) = await revenue_of(tenant, event["data"]["id"])  # booked by finance itself
    assert entry["amount"] == "100.00"
    assert await db.fetchval("SELECT count(*) FROM finance.dead_letters WHERE id = $1", row_id) == 0


async def test_a_replay_that_was_not_waited_for_is_recognised_later(
    cli: Cli, stack: Any, tenant: Tenant, db: asyncpg.Connection
) -> None:
    if "finance" not in stack.services:
        pytest.skip("finance is not running")
    event = quote_accepted(tenant)
    row_id = await insert_dead_letter(db, "finance", "finance-events", event)
    sent = await cli("dead-letters", "replay", f"finance:{row_id}", "--wait", "0", "--json")
    assert sent.code == 0 and sent.json[0]["outcome"] == "published", sent

    async def booked() -> None:
        assert len(await revenue_of(tenant, event["data"]["id"])) == 1

    await eventually(booked, timeout=20)
    listed = await cli("dead-letters", "list", "--service", "finance", "--json")
    (mine,) = [d for d in listed.json if d["id"] == f"finance:{row_id}"]
    assert mine["handled"] is True, listed  # still listed, but its event went through
    # Replaying it again publishes nothing: the inbox has it; the row goes.
    again = await cli("dead-letters", "replay", f"finance:{row_id}", "--json")
    assert again.code == 0 and again.json[0]["outcome"] == "already_handled", again
    assert len(await revenue_of(tenant, event["data"]["id"])) == 1


async def test_what_cannot_be_replayed_is_refused_and_can_be_discarded(
    cli: Cli, stack: Any, tenant: Tenant, db: asyncpg.Connection
) -> None:
    if "finance" not in stack.services:
        pytest.skip("finance is not running")
    garbage = await insert_dead_letter(db, "finance", "finance-events", None)
    orphan = await insert_dead_letter(db, "finance", "finance-nosuch", quote_accepted(tenant))

    result = await cli(
        "dead-letters", "replay", f"finance:{garbage}", f"finance:{orphan}", "--json"
    )
    assert result.code == 1, result
    outcomes = {r["id"]: r for r in result.json}
    assert outcomes[f"finance:{garbage}"]["outcome"] == "not_replayable"
    assert outcomes[f"finance:{orphan}"]["outcome"] == "refused"
    assert "no durable consumer finance-nosuch" in outcomes[f"finance:{orphan}"]["detail"]

    shown = await cli("dead-letters", "show", f"finance:{garbage}", "--json")
    assert shown.json["payload"] == "{not json" and shown.json["type"] is None

    unconfirmed = await cli("dead-letters", "discard", f"finance:{garbage}")
    assert unconfirmed.code == 2, unconfirmed
    discarded = await cli(
        "dead-letters", "discard", f"finance:{garbage}", f"finance:{orphan}", "--yes", "--json"
    )
    assert discarded.code == 0, discarded
    assert discarded.json == {"discarded": [f"finance:{garbage}", f"finance:{orphan}"]}

    bad = await cli("dead-letters", "show", "finance-7")
    assert bad.code == 2 and "team:3" in bad.stderr
