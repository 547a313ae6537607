"""Ticket use cases: create (numbered), read, list, update (lock, check the precondition,
let the domain decide, write, emit), Trash and restore."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from asyncpg import Connection, Pool
from servelo_common import replicas
from servelo_common.db import tenant_tx
from servelo_common.errors import NotFound, RequestValidationError, found
from servelo_common.etag import Precondition
from servelo_common.events import emit
from servelo_common.identity import Identity
from servelo_common.jsonutil import iso_z
from servelo_common.pagination import PageRequest

from tickets.domain import InvalidTransition, Ticket, plan_update
from tickets.events import (
    TicketAssigned,
    TicketCreated,
    TicketRestored,
    TicketStatusChanged,
    TicketTrashed,
    TicketUpdated,
)
from tickets.listing import ListQuery
from tickets.repository import tickets as repo
from tickets.repository import users as user_repo
from tickets.schemas import TicketCreate, TicketUpdate
from tickets.service import TICKET_NOT_FOUND, actor, plain


async def check_references(conn: Connection, *, org_id: UUID, refs: dict[str, Any]) -> None:
    """A customer and an assignee must exist in the org (per this service's copies)."""
    errors: dict[str, list[str]] = {}
    customer = refs.get("customer_id")
    if customer is not None and not await replicas.customer_exists(
        conn, org_id=org_id, customer_id=customer
    ):
        errors["customer_id"] = ["Unknown customer."]
    assignee = refs.get("assignee_id")
    if assignee is not None and not await user_repo.assignable_user(
        conn, org_id=org_id, user_id=assignee
    ):
        errors["assignee_id"] = ["Must be an active user of this organization."]
    if errors:
        raise RequestValidationError(errors)


async def require_ticket(conn: Connection, *, org_id: UUID, ticket_id: UUID) -> None:
    """404 unless the ticket exists and is not in the Trash (comments and photos hang on it)."""
    if await repo.get_ticket(conn, org_id=org_id, ticket_id=ticket_id) is None:
        raise NotFound(TICKET_NOT_FOUND)


async def create_ticket(pool: Pool, *, ident: Identity, data: TicketCreate) -> Ticket:
    org_id, user_id = actor(ident)
    fields = data.model_dump()
    async with tenant_tx(pool, org_id) as conn:
        await check_references(conn, org_id=org_id, refs=fields)
        row = await repo.insert_ticket(
            conn, org_id=org_id, ticket_id=uuid.uuid4(), data=fields, created_by=user_id
        )
        ticket = Ticket.from_row(row)
        await emit(
            conn,
            TicketCreated(
                id=str(ticket.id),
                number=ticket.number,
                title=ticket.title,
                status=ticket.status,
                priority=ticket.priority,
                customer_id=plain(ticket.customer_id),
                assignee_id=plain(ticket.assignee_id),
                scheduled_at=plain(ticket.scheduled_at),
                created_by=str(user_id),
                created_at=iso_z(ticket.created_at),
            ),
            tenant=org_id,
            subject=ticket.id,
        )
    return ticket


async def get_ticket(
    pool: Pool, *, ident: Identity, ticket_id: UUID, trashed: bool | None = False
) -> Ticket:
    """`trashed`: False a live ticket only, None live or in the Trash."""
    async with tenant_tx(pool, ident.org_id, readonly=True) as conn:
        row = await repo.get_ticket(
            conn, org_id=ident.org_uuid, ticket_id=ticket_id, trashed=trashed
        )
    return Ticket.from_row(found(row, TICKET_NOT_FOUND))


async def list_tickets(
    pool: Pool, *, ident: Identity, query: ListQuery, page: PageRequest
) -> list[Ticket]:
    async with tenant_tx(pool, ident.org_id, readonly=True) as conn:
        rows = await repo.list_tickets(
            conn, org_id=ident.org_uuid, query=query, cursor=page.cursor, limit=page.limit + 1
        )
    return [Ticket.from_row(r) for r in rows]


async def update_ticket(
    pool: Pool,
    *,
    ident: Identity,
    ticket_id: UUID,
    data: TicketUpdate,
    precondition: Precondition | None = None,
) -> Ticket:
    """`precondition` sees the current ETag first (If-Match: 412 when the ticket changed)."""
    org_id, user_id = actor(ident)
    async with tenant_tx(pool, org_id) as conn:
        row = await repo.get_ticket(conn, org_id=org_id, ticket_id=ticket_id, for_update=True)
        if row is None:
            raise NotFound(TICKET_NOT_FOUND)
        if precondition is not None:
            precondition(Ticket.from_row(row).etag)
        try:
            change = plan_update(row, data.provided())
        except InvalidTransition as exc:
            raise RequestValidationError({"status": [str(exc)]}) from exc
        if change.empty:
            return Ticket.from_row(row)
        await check_references(conn, org_id=org_id, refs=change.references)
        row = await repo.update_ticket(
            conn, org_id=org_id, ticket_id=ticket_id, changes=change.changed
        )
        base = {"id": str(ticket_id), "number": row["number"]}
        await emit(
            conn,
            TicketUpdated(
                **base,
                changes={k: plain(v) for k, v in change.changed.items()},
                previous={k: plain(v) for k, v in change.previous.items()},
                updated_by=str(user_id),
            ),
            tenant=org_id,
            subject=ticket_id,
        )
        if change.status is not None:
            await emit(
                conn,
                TicketStatusChanged(
                    **base,
                    from_status=change.status[0],
                    to_status=change.status[1],
                    changed_by=str(user_id),
                ),
                tenant=org_id,
                subject=ticket_id,
            )
        if change.assignee is not None:
            await emit(
                conn,
                TicketAssigned(
                    **base,
                    assignee_id=plain(change.assignee[1]),
                    previous_assignee_id=plain(change.assignee[0]),
                    assigned_by=str(user_id),
                ),
                tenant=org_id,
                subject=ticket_id,
            )
    return Ticket.from_row(row)


async def trash_ticket(pool: Pool, *, ident: Identity, ticket_id: UUID) -> None:
    org_id, user_id = actor(ident)
    async with tenant_tx(pool, org_id) as conn:
        row = await repo.set_trashed(conn, org_id=org_id, ticket_id=ticket_id, trashed=True)
        if row is None:
            raise NotFound(TICKET_NOT_FOUND)
        await emit(
            conn,
            TicketTrashed(id=str(ticket_id), number=row["number"], trashed_by=str(user_id)),
            tenant=org_id,
            subject=ticket_id,
        )


async def restore_ticket(pool: Pool, *, ident: Identity, ticket_id: UUID) -> Ticket:
    org_id, user_id = actor(ident)
    async with tenant_tx(pool, org_id) as conn:
        row = await repo.set_trashed(conn, org_id=org_id, ticket_id=ticket_id, trashed=False)
        if row is None:
            raise NotFound("Ticket not found in Trash")
        await emit(
            conn,
            TicketRestored(id=str(ticket_id), number=row["number"], restored_by=str(user_id)),
            tenant=org_id,
            subject=ticket_id,
        )
    return Ticket.from_row(row)
