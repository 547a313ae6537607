"""Quote use cases: numbered on create, totals computed here, lifecycle by `domain.Quote`."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
from servelo_common.db import tenant_tx
from servelo_common.errors import ApiError, Conflict, NotFound, RequestValidationError, found
from servelo_common.events import emit
from servelo_common.identity import Identity
from servelo_common.jsonutil import iso_z, money_str
from servelo_common.mail import queue_mail
from servelo_common.pagination import PageRequest

from crm import events
from crm.domain import Quote, Transition, TransitionRefused
from crm.quote_mail import Sender, render_quote_mail
from crm.repository import Record
from crm.repository import customers as customer_repo
from crm.repository import orgs as org_repo
from crm.repository import quotes as repo
from crm.schemas import LineItemIn, QuoteCreate, QuoteQuery, QuoteUpdate
from crm.service import Precondition
from crm.totals import AmountTooLarge, Line, compute_totals, plain_decimal

NOT_FOUND = "Quote not found"
CONTENT = ("customer_id", "line_items", "tax_rate")


def priced(items: Sequence[LineItemIn], tax_rate: Decimal) -> dict[str, Any]:
    """The stored lines and the totals computed from them (client totals are ignored)."""
    lines = [Line(i.description, i.quantity, i.unit_price) for i in items]
    try:
        totals = compute_totals(lines, tax_rate)
    except AmountTooLarge as exc:
        raise RequestValidationError({"line_items": [str(exc)]}) from exc
    stored = [
        {
            "description": ln.description,
            "quantity": plain_decimal(ln.quantity),
            "unit_price": money_str(ln.unit_price),
            "total": money_str(ln.total),
        }
        for ln in lines
    ]
    return {
        "line_items": stored,
        "tax_rate": tax_rate,
        "subtotal": totals.subtotal,
        "tax": totals.tax,
        "total": totals.total,
    }


async def _default_tax_rate(conn: asyncpg.Connection, org_id: UUID) -> Decimal:
    settings = await org_repo.get_org_settings(conn, org_id=org_id)
    rate = settings["default_tax_rate"] if settings else None
    return rate if rate is not None else Decimal(0)


async def _require_customer(conn: asyncpg.Connection, org_id: UUID, customer_id: UUID) -> Record:
    # Another org's client reads as missing: same answer as an id that never existed.
    row = await customer_repo.get_customer(conn, org_id=org_id, customer_id=customer_id)
    if row is None:
        raise RequestValidationError(
            {"customer_id": ["No client with this id."]}, message="Client not found"
        )
    return row


def _quote_data(row: Record) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "number": row["number"],
        "customer_id": str(row["customer_id"]),
        "status": row["status"],
        "subtotal": money_str(row["subtotal"]),
        "tax": money_str(row["tax"]),
        "total": money_str(row["total"]),
        "valid_until": row["valid_until"].isoformat() if row["valid_until"] else None,
    }


async def list_quotes(
    pool: asyncpg.Pool, *, ident: Identity, query: QuoteQuery, page: PageRequest
) -> list[Quote]:
    org_id = ident.org_uuid
    async with tenant_tx(pool, org_id, readonly=True) as conn:
        rows = await repo.list_quotes(
            conn,
            org_id=org_id,
            limit=page.limit + 1,
            cursor=page.cursor,
            status=query.status.value if query.status else None,
            customer_id=query.customer_id,
            since=page.since,
        )
    return [Quote.from_row(r) for r in rows]


async def get_quote(pool: asyncpg.Pool, *, ident: Identity, quote_id: UUID) -> Quote:
    org_id = ident.org_uuid
    async with tenant_tx(pool, org_id, readonly=True) as conn:
        row = await repo.get_quote(conn, org_id=org_id, quote_id=quote_id)
    return Quote.from_row(found(row, NOT_FOUND))


async def create_quote(pool: asyncpg.Pool, *, ident: Identity, data: QuoteCreate) -> Quote:
    org_id, user_id = ident.org_uuid, ident.user_uuid
    async with tenant_tx(pool, org_id) as conn:
        await _require_customer(conn, org_id, data.customer_id)
        rate = data.tax_rate if data.tax_rate is not None else await _default_tax_rate(conn, org_id)
        values = {
            "customer_id": data.customer_id,
            "valid_until": data.valid_until,
            "notes": data.notes,
            **priced(data.line_items, rate),
        }
        number = await repo.next_quote_number(conn, org_id=org_id)
        row = await repo.insert_quote(
            conn, org_id=org_id, number=number, created_by=user_id, values=values
        )
        await emit(conn, events.QuoteCreated(**_quote_data(row)), tenant=org_id, subject=row["id"])
    return Quote.from_row(row)


async def _locked(
    conn: asyncpg.Connection, org_id: UUID, quote_id: UUID, precondition: Precondition | None
) -> Record:
    row = await repo.get_quote(conn, org_id=org_id, quote_id=quote_id, for_update=True)
    if row is None:
        raise NotFound(NOT_FOUND)
    if precondition is not None:
        precondition(Quote.from_row(row).etag)
    return row


async def _content_changes(
    conn: asyncpg.Connection, org_id: UUID, current: Record, sent: dict[str, Any], data: QuoteUpdate
) -> dict[str, Any]:
    """What the update changes in lines, tax rate or client (only drafts may change)."""
    if not any(k in sent for k in CONTENT):
        return {}
    if "customer_id" in sent and data.customer_id != current["customer_id"]:
        assert data.customer_id is not None
        await _require_customer(conn, org_id, data.customer_id)
    rate = current["tax_rate"]
    if "tax_rate" in sent:
        rate = data.tax_rate if data.tax_rate is not None else await _default_tax_rate(conn, org_id)
    items = (
        data.line_items
        if data.line_items is not None
        else [LineItemIn.model_validate(item) for item in current["line_items"]]
    )
    wanted = {"customer_id": data.customer_id or current["customer_id"], **priced(items, rate)}
    return {k: v for k, v in wanted.items() if current[k] != v}


def _transition_values(change: Transition) -> dict[str, Any]:
    values: dict[str, Any] = {"status": change.status.value}
    for name in ("sent_at", "accepted_at", "declined_at"):
        if getattr(change, name) is not None:
            values[name] = getattr(change, name)
    return values


async def _emit_transition(
    conn: asyncpg.Connection,
    org_id: UUID,
    row: Record,
    change: Transition,
    *,
    to: str | None = None,
) -> None:
    base = {"id": str(row["id"]), "number": row["number"], "customer_id": str(row["customer_id"])}
    event: events.CrmEvent
    if change.sent_at is not None:
        event = events.QuoteSent(
            **base, total=money_str(row["total"]), sent_at=iso_z(change.sent_at), to=to
        )
    elif change.accepted_at is not None:
        event = events.QuoteAccepted(
            **base,
            subtotal=money_str(row["subtotal"]),
            tax=money_str(row["tax"]),
            total=money_str(row["total"]),
            accepted_at=iso_z(change.accepted_at),
        )
    else:
        assert change.declined_at is not None
        event = events.QuoteDeclined(**base, declined_at=iso_z(change.declined_at))
    await emit(conn, event, tenant=org_id, subject=row["id"])


async def update_quote(
    pool: asyncpg.Pool,
    *,
    ident: Identity,
    quote_id: UUID,
    data: QuoteUpdate,
    precondition: Precondition | None = None,
) -> Quote:
    org_id = ident.org_uuid
    sent = data.provided()
    async with tenant_tx(pool, org_id) as conn:
        current = await _locked(conn, org_id, quote_id, precondition)
        quote = Quote.from_row(current)
        changes = await _content_changes(conn, org_id, current, sent, data)
        try:
            if changes:
                quote.ensure_editable()
            for name in ("valid_until", "notes"):
                if name in sent and sent[name] != current[name]:
                    changes[name] = sent[name]
            # The transition is judged on the updated validity date, so one PUT can
            # extend an expired quote and record its acceptance.
            quote = dataclasses.replace(
                quote, valid_until=changes.get("valid_until", current["valid_until"])
            )
            transition = (
                quote.transition(data.status, now=datetime.now(UTC))
                if data.status is not None
                else None
            )
        except TransitionRefused as exc:
            raise Conflict(str(exc)) from exc
        if transition is not None:
            changes.update(_transition_values(transition))
        if not changes:
            return Quote.from_row(current)
        row = await repo.update_quote(conn, org_id=org_id, quote_id=quote_id, values=changes)
        await emit(conn, events.QuoteUpdated(**_quote_data(row)), tenant=org_id, subject=quote_id)
        if transition is not None:
            await _emit_transition(conn, org_id, row, transition)
    return Quote.from_row(row)


async def send_quote(
    pool: asyncpg.Pool,
    *,
    ident: Identity,
    quote_id: UUID,
    precondition: Precondition | None = None,
) -> Quote:
    """Mail the quote to its client; queued in this transaction, so never lost."""
    org_id = ident.org_uuid
    async with tenant_tx(pool, org_id) as conn:
        current = await _locked(conn, org_id, quote_id, precondition)
        try:
            transition = Quote.from_row(current).send(now=datetime.now(UTC))
        except TransitionRefused as exc:
            raise Conflict(str(exc)) from exc
        client = await customer_repo.get_customer(
            conn, org_id=org_id, customer_id=current["customer_id"]
        )
        if client is None or not client["email"]:
            raise ApiError(
                400,
                "The client has no email address; add one before sending",
                errors={"email": ["The client has no email address."]},
            )
        row = await repo.update_quote(
            conn, org_id=org_id, quote_id=quote_id, values=_transition_values(transition)
        )
        settings = await org_repo.get_org_settings(conn, org_id=org_id)
        sender = Sender(
            company_name=settings["company_name"] if settings else None,
            currency=settings["currency"] if settings else None,
        )
        mail = render_quote_mail(
            to=client["email"], client_name=client["name"], quote=row, sender=sender
        )
        await queue_mail(conn, mail, org_id=org_id)
        await emit(conn, events.QuoteUpdated(**_quote_data(row)), tenant=org_id, subject=quote_id)
        await _emit_transition(conn, org_id, row, transition, to=client["email"])
    return Quote.from_row(row)


async def delete_quote(
    pool: asyncpg.Pool,
    *,
    ident: Identity,
    quote_id: UUID,
    precondition: Precondition | None = None,
) -> None:
    org_id = ident.org_uuid
    async with tenant_tx(pool, org_id) as conn:
        current = await _locked(conn, org_id, quote_id, precondition)
        await repo.delete_quote(conn, org_id=org_id, quote_id=quote_id)
        await emit(
            conn,
            events.QuoteDeleted(
                id=str(quote_id), number=current["number"], customer_id=str(current["customer_id"])
            ),
            tenant=org_id,
            subject=quote_id,
        )
