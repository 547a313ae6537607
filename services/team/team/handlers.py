"""Consumers of other services' events: crm's customers and auth's org deletion."""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

import asyncpg
from servelo_common.consumer import Subscription
from servelo_common.events import CloudEvent, subject_for
from servelo_common.purge import purge_platform_rows

from team import planning_repository as prepo

log = logging.getLogger("team.handlers")

# Children before parents (foreign keys); the platform's tables are purged by libs/common.
_PURGE_ORDER = (
    "actuals",
    "allocations",
    "rate_history",
    "team_members",
    "roles",
    "role_counters",
    "projects",
    "customers",
)


async def _purged(conn: asyncpg.Connection, org_id: UUID) -> bool:
    return bool(
        await conn.fetchval("SELECT EXISTS (SELECT 1 FROM purged_orgs WHERE id = $1)", org_id)
    )


async def on_customer_event(conn: asyncpg.Connection, event: CloudEvent) -> None:
    """Keep the ids of the org's crm customers, so projects can be checked locally."""
    org_id = event.tenant_id
    try:
        customer_id = UUID(str(event.data["id"]))
        version = datetime.fromisoformat(event.time)
    except (KeyError, ValueError):
        # Retrying cannot fix a malformed event; keep a trace and move on.
        log.warning("ignored malformed customer event", extra={"event_id": event.id})
        return
    if await _purged(conn, org_id):
        return
    name = event.data.get("name")
    await prepo.upsert_customer(
        conn,
        org_id=org_id,
        customer_id=customer_id,
        name=str(name).replace("\x00", "")[:200] if name is not None else None,
        deleted=event.type == "customer-deleted",
        version=version,
    )


async def on_org_deleted(conn: asyncpg.Connection, event: CloudEvent) -> None:
    """Delete every row of the org; late events about it are ignored from now on."""
    org_id = event.tenant_id if event.tenant else UUID(str(event.data["id"]))
    for table in _PURGE_ORDER:
        await conn.execute(f"DELETE FROM {table} WHERE org_id = $1", org_id)  # noqa: S608
    await conn.execute("INSERT INTO purged_orgs (id) VALUES ($1) ON CONFLICT DO NOTHING", org_id)
    # Events about the org, published or not, hold its data too (names, rates).
    await purge_platform_rows(conn, org_id=org_id)
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
