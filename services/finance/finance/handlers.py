"""Consumers of crm's and auth's events: customers, accepted quotes, currency, org purge.

One durable consumer takes them all so they are handled in stream order: an org's
`org-deleted` is handled after every event published for it before, so nothing that
arrives late recreates rows of a purged org.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import asyncpg
from servelo_common import replicas
from servelo_common.consumer import Subscription
from servelo_common.events import CloudEvent, subject_for

from finance import service
from finance.domain import currency_from_settings, revenue_from_quote
from finance.repository import orgs

log = logging.getLogger("finance.handlers")

EventHandler = Callable[[asyncpg.Connection, CloudEvent], Awaitable[None]]


async def customer_changed(conn: asyncpg.Connection, event: CloudEvent) -> None:
    # Revenue entries keep their customer_id: the books must not change with the CRM.
    await replicas.apply_customer_event(conn, event)


async def quote_accepted(conn: asyncpg.Connection, event: CloudEvent) -> None:
    quote = revenue_from_quote(event.data, event_time=event.occurred_at)
    if quote is None:
        log.info("accepted quote with no total; nothing booked", extra={"event_id": event.id})
        return
    booked = await service.book_accepted_quote(conn, org_id=event.tenant_id, quote=quote)
    if not booked:
        log.info("quote already booked", extra={"quote_id": str(quote.quote_id)})


async def settings_updated(conn: asyncpg.Connection, event: CloudEvent) -> None:
    currency = currency_from_settings(event.data)
    if currency is not None:
        await orgs.set_currency(
            conn, org_id=event.tenant_id, currency=currency, event_time=event.occurred_at
        )


async def org_deleted(conn: asyncpg.Connection, event: CloudEvent) -> None:
    org_id = event.tenant_id
    counts = await orgs.purge_org(conn, org_id=org_id)
    log.info("org purged", extra={"org_id": str(org_id), "rows": counts})


HANDLERS: dict[tuple[str, str], EventHandler] = {
    ("crm", "customer-created"): customer_changed,
    ("crm", "customer-updated"): customer_changed,
    ("crm", "customer-deleted"): customer_changed,
    ("crm", "quote-accepted"): quote_accepted,
    ("auth", "settings-updated"): settings_updated,
    ("auth", "org-deleted"): org_deleted,
}
_BY_TYPE = {event_type: handler for (_, event_type), handler in HANDLERS.items()}


async def dispatch(conn: asyncpg.Connection, event: CloudEvent) -> None:
    handler = _BY_TYPE.get(event.type)
    if handler is None:
        log.warning("unexpected event type", extra={"type": event.type, "event_id": event.id})
        return
    if event.tenant is None:
        raise ValueError(f"{event.type} event {event.id} has no tenant")
    await handler(conn, event)


SUBSCRIPTIONS = [
    Subscription(
        name="events", events=[subject_for(src, typ) for src, typ in HANDLERS], handler=dispatch
    ),
]
