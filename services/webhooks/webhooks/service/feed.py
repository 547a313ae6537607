"""The event feed: record an event (the consumer), list and long-poll, get one."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from uuid import UUID

import asyncpg
from servelo_common.db import tenant_tx
from servelo_common.errors import NotFound
from servelo_common.events import CloudEvent
from servelo_common.identity import Identity

from webhooks.context import Webhooks
from webhooks.domain.feed import FeedEvent
from webhooks.repository import feed as repo
from webhooks.schemas.feed import FeedQuery
from webhooks.service import org_of

NOT_FOUND = "Event not found"


async def record_events(
    conn: asyncpg.Connection, *, org_id: UUID, events: Sequence[tuple[UUID, CloudEvent]]
) -> None:
    """In the consumer's transaction: number events of one org into its feed, in their
    order, and queue one delivery per endpoint that wants each; one statement for all (the
    consumer's batch, or a single event)."""
    await repo.record_events(
        conn,
        org_id=org_id,
        event_ids=[event_id for event_id, _ in events],
        event_types=[event.type for _, event in events],
        events=[event.public_json() for _, event in events],  # without our tracing attributes
    )


async def _page(ctx: Webhooks, org_id: UUID, query: FeedQuery, limit: int) -> list[FeedEvent]:
    async with tenant_tx(ctx.pool, org_id, readonly=True) as conn:
        rows = await repo.list_events(
            conn, org_id=org_id, after=query.after, types=query.types, limit=limit
        )
    return [FeedEvent(sequence=r["sequence"], event=r["event"]) for r in rows]


async def list_events(
    ctx: Webhooks, *, ident: Identity, query: FeedQuery, limit: int
) -> list[FeedEvent]:
    """Events after `query.after`, oldest first, at most `limit`; with `wait`, when there is
    none yet, the first ones to arrive within that many seconds."""
    org_id = org_of(ident)
    found = await _page(ctx, org_id, query, limit)
    if found or query.wait <= 0:
        return found
    deadline = time.monotonic() + query.wait
    async with ctx.waiters.slot(org_id) as woken:
        while True:
            woken.clear()  # before looking: a commit from now on wakes the wait below
            found = await _page(ctx, org_id, query, limit)
            remaining = deadline - time.monotonic()
            if found or remaining <= 0:
                return found
            try:
                await asyncio.wait_for(woken.wait(), remaining)
            except TimeoutError:
                return await _page(ctx, org_id, query, limit)


async def get_event(ctx: Webhooks, *, ident: Identity, event_id: UUID) -> FeedEvent:
    org_id = org_of(ident)
    async with tenant_tx(ctx.pool, org_id, readonly=True) as conn:
        row = await repo.get_event(conn, org_id=org_id, event_id=event_id)
    if row is None:
        raise NotFound(NOT_FOUND)
    return FeedEvent(sequence=row["sequence"], event=row["event"])
