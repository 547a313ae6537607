"""The feed's one durable consumer: every event of the stream, once per event id.

It numbers each tenant event into the feed and queues its deliveries, in the inbox's
transaction; `org-deleted` purges the org instead (and late events about it are ignored).
"""

from __future__ import annotations

import logging
from uuid import UUID

import asyncpg
from servelo_common.consumer import Subscription
from servelo_common.events import SUBJECT_PREFIX, CloudEvent

from webhooks.repository import orgs
from webhooks.service import feed

log = logging.getLogger("webhooks.handlers")

CONSUMER = "webhooks-events"  # the durable: <service>-<subscription name>


async def on_event(conn: asyncpg.Connection, event: CloudEvent) -> None:
    if event.type == "org-deleted" and event.source == "servelo/auth":
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
    await feed.record_event(conn, org_id=org_id, event_id=event_id, event=event)


SUBSCRIPTIONS = [
    Subscription(name="events", handler=on_event, events=[f"{SUBJECT_PREFIX}.>"]),
]
