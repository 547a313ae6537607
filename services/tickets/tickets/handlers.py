"""Consumers of other services' events: copies of users (auth) and customers (crm), purges.

Each handler runs once per event id (inbox) in the event's tenant transaction. Copies are
upserts guarded by the event time, so an older event arriving late changes nothing.
"""

from __future__ import annotations

import logging
from uuid import UUID

from asyncpg import Connection
from servelo_common import replicas
from servelo_common.consumer import Handler, Subscription
from servelo_common.events import CloudEvent, emit, subject_for
from servelo_common.storage import Storage

from tickets.events import TicketAssigned, TicketUpdated
from tickets.repository import orgs, tickets, users

log = logging.getLogger("tickets.handlers")

USER_EVENTS = (
    "user-created",
    "user-invited",
    "user-activated",
    "user-updated",
    "user-reactivated",
    "user-deactivated",
    "user-deleted",
)


def _org(event: CloudEvent) -> UUID:
    return event.tenant_id


async def on_user_event(conn: Connection, event: CloudEvent) -> None:
    data, org_id = event.data, _org(event)
    user_id = UUID(str(data["id"]))
    deleted = event.type == "user-deleted"
    active = (
        not deleted
        and bool(data.get("active"))
        and data.get("status") != "deactivated"
        and event.type != "user-deactivated"
    )
    applied = await users.upsert_user(
        conn,
        org_id=org_id,
        user_id=user_id,
        fields={**data, "active": active, "deleted": deleted},
        event_time=event.occurred_at,
    )
    if applied and not active:
        for row in await tickets.unassign_user(conn, org_id=org_id, user_id=user_id):
            await emit(
                conn,
                TicketAssigned(
                    id=str(row["id"]),
                    number=row["number"],
                    assignee_id=None,
                    previous_assignee_id=str(user_id),
                    assigned_by=None,
                ),
                tenant=org_id,
                subject=row["id"],
            )


async def on_customer_event(conn: Connection, event: CloudEvent) -> None:
    applied = await replicas.apply_customer_event(conn, event)
    if applied and event.type == "customer-deleted":
        org_id, customer_id = _org(event), UUID(str(event.data["id"]))
        for row in await tickets.clear_customer(conn, org_id=org_id, customer_id=customer_id):
            await emit(
                conn,
                TicketUpdated(
                    id=str(row["id"]),
                    number=row["number"],
                    changes={"customer_id": None},
                    previous={"customer_id": str(customer_id)},
                    updated_by=None,
                ),
                tenant=org_id,
                subject=row["id"],
            )


def org_deleted_handler(storage: Storage) -> Handler:
    async def on_org_deleted(conn: Connection, event: CloudEvent) -> None:
        org_id = UUID(str(event.data.get("id") or event.tenant))
        await orgs.purge_org(conn, org_id=org_id)
        # Files last: if this fails the rows come back with the rollback and it is retried.
        await storage.delete_prefix(f"{org_id}/")
        log.info("org purged", extra={"org_id": str(org_id)})

    return on_org_deleted


def subscriptions(storage: Storage) -> list[Subscription]:
    return [
        Subscription(
            name="users",
            events=[subject_for("auth", t) for t in USER_EVENTS],
            handler=on_user_event,
        ),
        Subscription(
            name="customers",
            events=[subject_for("crm", t) for t in replicas.CUSTOMER_EVENTS],
            handler=on_customer_event,
        ),
        Subscription(
            name="orgs",
            events=[subject_for("auth", "org-deleted")],
            handler=org_deleted_handler(storage),
        ),
    ]
