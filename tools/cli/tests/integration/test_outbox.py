"""`servelo outbox status` against the test stack (its data folder) and a scratch schema
whose outbox no relay drains (the environment path: SERVELO_DATABASE_URL)."""

from __future__ import annotations

from typing import Any

from servelo_common.db import acquire, create_pool
from servelo_common.events import DomainEvent, emit

from .conftest import Cli, Scratch


class SomethingHappened(DomainEvent):
    source = "scratch"
    type = "something-happened"
    id: str


async def test_status_lists_every_service_of_the_stack(cli: Cli, stack: Any) -> None:
    result = await cli("outbox", "status", "--json")
    assert result.code == 0, result
    by_service = {s["service"]: s for s in result.json}
    assert set(by_service) == set(stack.services)
    for status in by_service.values():
        assert status["error"] is None
        assert isinstance(status["pending"], int)
    human = await cli("outbox", "status")
    assert human.code == 0, human
    assert human.stdout.splitlines()[0].split()[:3] == ["SERVICE", "PENDING", "OLDEST"]


async def test_a_stuck_outbox_shows_its_rows_and_fails_max_age(cli: Cli, scratch: Scratch) -> None:
    # No relay runs for a scratch schema: the event stays, as behind a relay that fails.
    pool = await create_pool(scratch.dsn, schema=scratch.schema, application_name="test")
    try:
        async with acquire(pool) as conn, conn.transaction():
            event_id = await emit(conn, SomethingHappened(id="x"), tenant=None)
            await conn.execute(
                "UPDATE outbox SET attempts = 3, last_error = 'NoRespondersError()',"
                " created_at = now() - interval '5 minutes'"
            )
    finally:
        await pool.close()

    result = await cli(
        "outbox",
        "status",
        "--json",
        "--rows",
        "5",
        "--service",
        scratch.schema,
        *scratch.args,
        env=scratch.admin_env,
    )
    assert result.code == 0, result
    (status,) = result.json
    assert status["service"] == scratch.schema
    assert status["pending"] == 1
    assert 290 < status["oldest_age_seconds"] < 900
    assert status["attempts"] == 3 and status["last_error"] == "NoRespondersError()"
    assert status["head"][0]["event_id"] == event_id
    assert status["head"][0]["subject"] == "servelo.events.scratch.something-happened"

    late = await cli(
        "outbox", "status", "--max-age", "120", "--service", scratch.schema, *scratch.args,
        env=scratch.admin_env,
    )  # fmt: skip
    assert late.code == 1, late
    assert "older than 120" in late.stderr
    assert "NoRespondersError()" in late.stdout


async def test_a_service_without_its_schema_is_reported_not_skipped(
    cli: Cli, scratch: Scratch
) -> None:
    result = await cli(
        "outbox", "status", "--json", "--service", "cli_nosuch", *scratch.args,
        env=scratch.admin_env,
    )  # fmt: skip
    assert result.code == 1, result
    assert "does not exist" in result.json[0]["error"]
