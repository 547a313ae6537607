"""The feed's one durable consumer: every event of the stream, once per event id.

It numbers each tenant event into the feed and queues its deliveries, in the inbox's
transaction; `org-deleted` purges the org instead (and late events about it are ignored).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from uuid import UUID

import asyncpg
from servelo_common.consumer import Subscription
from servelo_common.events import SUBJECT_PREFIX, CloudEvent

from webhooks.repository import orgs
from webhooks.service import feed

log = logging.getLogger("webhooks.handlers")

CONSUMER = "webhooks-events"  # the durable: <service>-<subscription name>


def _deletes_org(event: CloudEvent) -> bool:
    return event.type == "org-deleted" and event.source == "servelo/auth"


async def on_event(conn: asyncpg.Connection, event: CloudEvent) -> None:
    if _deletes_org(event):
        org_id = event.tenant_id if event.tenant else UUID(str(event.data["id"]))
        await orgs.purge_org(conn, org_id=org_id)
        log.info("org purged", extra={"org_id": str(org_id)})
        return
    if not event.tenant:
        return  # not a tenant's fact: in no feed
    try:
        org_id, event_id = event.tenant_id, UUID(event.id)
    except ValueError:
        log.warning("ignored event with malformed ids", extra={"event_id": event.id})
        return
    await feed.record_events(conn, org_id=org_id, events=[(event_id, event)])


async def on_events(conn: asyncpg.Connection, events: Sequence[CloudEvent]) -> None:
    """Events of one tenant that arrived together (the consumer's batch): recorded in one
    statement. One that deletes the org, or with a malformed id, sends them all through
    `on_event` one by one, which knows what to do with it and with the others after it."""
    try:
        ids = [UUID(event.id) for event in events]
        org_id = events[0].tenant_id
    except ValueError:
        ids = []
    if not ids or any(_deletes_org(event) for event in events):
        for event in events:
            await on_event(conn, event)
        return
    await feed.record_events(conn, org_id=org_id, events=list(zip(ids, events, strict=True)))


SUBSCRIPTIONS = [
    Subscription(
        name="events", handler=on_event, batch_handler=on_events, events=[f"{SUBJECT_PREFIX}.>"]
    ),
]
