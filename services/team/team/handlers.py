"""Consumers of other services' events: crm's customers and auth's org deletion."""

from __future__ import annotations

import logging
from uuid import UUID

import asyncpg
from servelo_common.consumer import Subscription
from servelo_common.events import CloudEvent, subject_for
from servelo_common.replicas import apply_customer_event

from team.repository import orgs

log = logging.getLogger("team.handlers")


async def on_customer_event(conn: asyncpg.Connection, event: CloudEvent) -> None:
    """Keep the ids of the org's crm customers, so projects can be checked locally."""
    if await orgs.is_purged(conn, org_id=event.tenant_id):
        return
    try:
        await apply_customer_event(conn, event)
    except (KeyError, ValueError):
        # Retrying cannot fix a malformed event; keep a trace and move on.
        log.warning("ignored malformed customer event", extra={"event_id": event.id})


async def on_org_deleted(conn: asyncpg.Connection, event: CloudEvent) -> None:
    """Delete every row of the org; late events about it are ignored from now on."""
    org_id = event.tenant_id if event.tenant else UUID(str(event.data["id"]))
    await orgs.purge_org(conn, org_id=org_id)
    log.info("org purged", extra={"org_id": str(org_id)})


SUBSCRIPTIONS = [
    Subscription(
        name="customers",
        handler=on_customer_event,
        events=[
            subject_for("crm", "customer-created"),
            subject_for("crm", "customer-updated"),
            subject_for("crm", "customer-deleted"),
        ],
    ),
    Subscription(name="orgs", handler=on_org_deleted, events=[subject_for("auth", "org-deleted")]),
]
