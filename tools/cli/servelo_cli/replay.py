"""Replaying dead letters through the consumer that gave up on them (docs/operations.md).

A dead letter's payload is published again to `servelo.replay.<durable>`
(`servelo_common.events.replay_subject`): a subject of the event stream that only that one
durable consumer listens to, outside `servelo.events.>`, so no other consumer, the gateway's
registry or an event feed sees the event twice. The owning service's own `Consumer` then
runs it through its normal path (`Consumer.handle_event`: tombstone, inbox, handler in one
transaction; failures retried and dead-lettered again as always). The CloudEvent inside is
unchanged, so its id dedupes in the inbox: a replay of an event handled meanwhile is a
no-op. Its `Nats-Msg-Id` is `replay:<durable>:<dead letter id>`, new to the stream's
duplicate window the first time, and the same for a repeated replay of the same row (which
JetStream then drops: one delivery per dead letter).

The dead letter is deleted only once the inbox says its event was handled (or a newer dead
letter of the same event replaced it, or its org was deleted): until then `list` shows it
and replaying it again is safe.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg
import nats.errors
import nats.js.errors
from nats.js import JetStreamContext
from servelo_common.events import ORIGINAL_SUBJECT_HEADER, STREAM, replay_subject

from servelo_cli.output import CliError, unavailable
from servelo_cli.repository import Record
from servelo_cli.repository import dead_letters as repo
from servelo_cli.target import Target

POLL = 0.25
# Outcomes: which need nothing more, and which mean the event's effect is still missing.
DONE = frozenset({"handled", "already_handled", "superseded", "org_deleted"})
FAILED = frozenset({"failed_again", "not_replayable", "refused"})


@dataclass
class Replay:
    service: str
    row: Record
    outcome: str = "checking"
    detail: str | None = None
    duplicate: bool = False  # JetStream had this replay already (a repeated command)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.service}:{self.row['id']}"

    @property
    def consumer(self) -> str:
        return str(self.row["consumer"])

    @property
    def event_id(self) -> UUID | None:
        value: UUID | None = self.row["event_id"]
        return value

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "consumer": self.consumer,
            "event_id": str(self.event_id) if self.event_id else None,
            "outcome": self.outcome,
            "detail": self.detail,
            "duplicate": self.duplicate,
            **self.extra,
        }


async def _settled(conn: asyncpg.Connection, item: Replay) -> bool:
    """Whether the letter's fate is known now; if so it is recorded (and the row removed)."""
    row_id, event_id = int(item.row["id"]), item.event_id
    assert event_id is not None
    if await repo.handled(conn, consumer=item.consumer, event_id=event_id):
        item.outcome = "handled" if item.outcome == "published" else "already_handled"
    elif newer := await repo.newer_dead_letter(
        conn, consumer=item.consumer, event_id=event_id, after=row_id
    ):
        newer_id = f"{item.service}:{newer['id']}"
        if item.outcome == "published":
            item.outcome, item.detail = "failed_again", str(newer["error"])
        else:
            item.outcome, item.detail = "superseded", f"a newer dead letter: {newer_id}"
        item.extra["new_id"] = newer_id
    elif item.row["org_id"] and await repo.org_deleted(conn, org_id=item.row["org_id"]):
        item.outcome, item.detail = "org_deleted", "its org was deleted: nothing to do"
    else:
        return False
    await repo.delete_dead_letter(conn, row_id=row_id)
    return True


async def _check_consumer(js: JetStreamContext, durable: str) -> str | None:
    """Why the durable cannot take a replay, or None."""
    try:
        info = await js.consumer_info(STREAM, durable)
    except nats.js.errors.NotFoundError:
        return f"no durable consumer {durable} on {STREAM}: is its service deployed?"
    config = info.config
    subjects = [*(config.filter_subjects or []), config.filter_subject or ""]
    if replay_subject(durable) not in subjects:
        return (
            f"{durable} does not take replays: its service runs a release from before them"
            " (restart it with this one)"
        )
    return None


async def _publish(js: JetStreamContext, item: Replay) -> None:
    durable = item.consumer
    ack = await js.publish(
        replay_subject(durable),
        str(item.row["payload"]).encode(),
        headers={
            "Nats-Msg-Id": f"replay:{durable}:{item.row['id']}",
            ORIGINAL_SUBJECT_HEADER: str(item.row["subject"]),
        },
        timeout=5.0,
    )
    item.outcome, item.duplicate = "published", bool(ack.duplicate)


async def replay(target: Target, letters: list[tuple[str, Record]], *, wait: float) -> list[Replay]:
    items = [Replay(service, row) for service, row in letters]
    conns: dict[str, asyncpg.Connection] = {}
    try:
        for service in {i.service for i in items}:
            conns[service] = await target.connect(service)
        todo = []
        for item in items:
            if item.event_id is None:
                item.outcome = "not_replayable"
                item.detail = "the event could not be decoded: it can only be discarded"
            elif not await _settled(conns[item.service], item):
                todo.append(item)
        if todo:
            await _send(target, todo)
        deadline = time.monotonic() + wait
        waiting = [i for i in todo if i.outcome == "published"]
        while waiting and time.monotonic() < deadline:
            await asyncio.sleep(POLL)
            waiting = [i for i in waiting if not await _settled(conns[i.service], i)]
        for item in waiting if wait > 0 else []:
            item.outcome = "pending"
            item.detail = f"not handled within {wait:g}s: see `servelo dead-letters list` later"
    finally:
        for conn in conns.values():
            await conn.close()
    return items


async def _send(target: Target, items: list[Replay]) -> None:
    nc = await target.nats()
    try:
        js = nc.jetstream(timeout=5)
        refusals: dict[str, str | None] = {}
        for item in items:
            if item.consumer not in refusals:
                refusals[item.consumer] = await _check_consumer(js, item.consumer)
            refusal = refusals[item.consumer]
            if refusal:
                item.outcome, item.detail = "refused", refusal
                continue
            try:
                await _publish(js, item)
            except (nats.errors.NoRespondersError, nats.js.errors.NoStreamResponseError) as exc:
                raise CliError(
                    f"{STREAM} does not take {replay_subject(item.consumer)}: start a service of"
                    " this release once (it adds the replay subjects to the stream)",
                    code="not_replayable",
                ) from exc
            except (nats.errors.Error, TimeoutError) as exc:
                raise unavailable(f"publishing the replay failed: {exc!r}") from exc
    finally:
        await nc.close()
