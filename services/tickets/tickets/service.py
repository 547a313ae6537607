"""Use cases on tickets and comments; each one transaction: rows and outbox events together."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from asyncpg import Connection, Pool, Record
from servelo_common.db import tenant_tx
from servelo_common.errors import NotFound, RequestValidationError
from servelo_common.etag import etag_for
from servelo_common.events import emit
from servelo_common.identity import Identity
from servelo_common.jsonutil import iso_z
from servelo_common.pagination import PageRequest

from tickets import repository as repo
from tickets.domain import InvalidTransition, plan_update
from tickets.events import (
    TicketAssigned,
    TicketCommentAdded,
    TicketCreated,
    TicketRestored,
    TicketStatusChanged,
    TicketTrashed,
    TicketUpdated,
)
from tickets.listing import FEW_HITS, WALK, ListQuery, build_query
from tickets.schemas import CommentCreate, TicketCreate, TicketUpdate

TICKET_NOT_FOUND = "Ticket not found"


def plain(value: Any) -> Any:
    """The JSON form of a column value, as events carry it."""
    if isinstance(value, datetime):
        return iso_z(value)
    if isinstance(value, UUID):
        return str(value)
    return value


def ticket_etag(row: Record) -> str:
    return etag_for(row["id"], row["updated_at"])


def _ids(ident: Identity) -> tuple[UUID, UUID]:
    assert ident.user_id is not None
    return UUID(ident.org_id), UUID(ident.user_id)


async def check_references(conn: Any, *, org_id: UUID, refs: dict[str, Any]) -> None:
    """A customer and an assignee must exist in the org (per this service's copies)."""
    errors: dict[str, list[str]] = {}
    customer = refs.get("customer_id")
    if customer is not None and not await repo.known_customer(
        conn, org_id=org_id, customer_id=customer
    ):
        errors["customer_id"] = ["Unknown customer."]
    assignee = refs.get("assignee_id")
    if assignee is not None and not await repo.assignable_user(
        conn, org_id=org_id, user_id=assignee
    ):
        errors["assignee_id"] = ["Must be an active user of this organization."]
    if errors:
        raise RequestValidationError(errors)


async def create_ticket(pool: Pool, ident: Identity, data: TicketCreate) -> Record:
    org_id, user_id = _ids(ident)
    fields = data.model_dump()
    async with tenant_tx(pool, org_id) as conn:
        await check_references(conn, org_id=org_id, refs=fields)
        row = await repo.insert_ticket(
            conn, org_id=org_id, ticket_id=uuid.uuid4(), data=fields, created_by=user_id
        )
        await emit(
            conn,
            TicketCreated(
                id=str(row["id"]),
                number=row["number"],
                title=row["title"],
                status=row["status"],
                priority=row["priority"],
                customer_id=plain(row["customer_id"]),
                assignee_id=plain(row["assignee_id"]),
                scheduled_at=plain(row["scheduled_at"]),
                created_by=str(user_id),
                created_at=iso_z(row["created_at"]),
            ),
            tenant=org_id,
            subject=row["id"],
        )
    return row


async def get_ticket(
    pool: Pool, ident: Identity, ticket_id: UUID, *, trashed: bool | None = False
) -> Record:
    async with tenant_tx(pool, ident.org_id) as conn:
        row = await repo.get_ticket(
            conn, org_id=UUID(ident.org_id), ticket_id=ticket_id, trashed=trashed
        )
    if row is None:
        raise NotFound(TICKET_NOT_FOUND)
    return row


async def list_tickets(
    pool: Pool, ident: Identity, query: ListQuery, page_req: PageRequest
) -> list[Record]:
    org_id, limit = UUID(ident.org_id), page_req.limit + 1

    async def fetch(conn: Connection, **how: Any) -> list[Record]:
        sql, args = build_query(query, org_id=org_id, cursor=page_req.cursor, limit=limit, **how)
        return await repo.list_tickets(conn, sql=sql, args=args)

    async with tenant_tx(pool, ident.org_id) as conn:
        if query.search is None:
            return await fetch(conn)
        # The three steps of a search, cheapest first (see tickets.listing).
        await repo.plan_for_cached_data(conn)
        rows = await fetch(conn, walk=WALK)
        if len(rows) == limit or (rows and rows[0]["walked"] < WALK):
            return rows
        hits = await repo.search_hits(conn, org_id=org_id, terms=query.search, cap=FEW_HITS + 1)
        return await fetch(conn, hit_ids=hits) if len(hits) <= FEW_HITS else await fetch(conn)


async def update_ticket(
    pool: Pool, ident: Identity, ticket_id: UUID, data: TicketUpdate, guard: Callable[[str], None]
) -> Record:
    """`guard` sees the current ETag first (If-Match: 412 when the ticket changed)."""
    org_id, user_id = _ids(ident)
    async with tenant_tx(pool, org_id) as conn:
        row = await repo.get_ticket(conn, org_id=org_id, ticket_id=ticket_id, for_update=True)
        if row is None:
            raise NotFound(TICKET_NOT_FOUND)
        guard(ticket_etag(row))
        try:
            change = plan_update(row, data.provided())
        except InvalidTransition as exc:
            raise RequestValidationError({"status": [str(exc)]}) from exc
        if change.empty:
            return row
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
    return row


async def trash_ticket(pool: Pool, ident: Identity, ticket_id: UUID) -> Record:
    org_id, user_id = _ids(ident)
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
    return row


async def restore_ticket(pool: Pool, ident: Identity, ticket_id: UUID) -> Record:
    org_id, user_id = _ids(ident)
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
    return row


async def add_comment(pool: Pool, ident: Identity, ticket_id: UUID, data: CommentCreate) -> Record:
    org_id, user_id = _ids(ident)
    async with tenant_tx(pool, org_id) as conn:
        if await repo.get_ticket(conn, org_id=org_id, ticket_id=ticket_id) is None:
            raise NotFound(TICKET_NOT_FOUND)
        row = await repo.insert_comment(
            conn,
            org_id=org_id,
            comment_id=uuid.uuid4(),
            ticket_id=ticket_id,
            author_id=user_id,
            body=data.body,
        )
        await emit(
            conn,
            TicketCommentAdded(
                id=str(row["id"]),
                ticket_id=str(ticket_id),
                author_id=str(user_id),
                body=row["body"],
                created_at=iso_z(row["created_at"]),
            ),
            tenant=org_id,
            subject=ticket_id,
        )
    return row


async def list_comments(
    pool: Pool, ident: Identity, ticket_id: UUID, page_req: PageRequest
) -> list[Record]:
    org_id = UUID(ident.org_id)
    async with tenant_tx(pool, org_id) as conn:
        if await repo.get_ticket(conn, org_id=org_id, ticket_id=ticket_id) is None:
            raise NotFound(TICKET_NOT_FOUND)
        return await repo.list_comments(
            conn,
            org_id=org_id,
            ticket_id=ticket_id,
            after=page_req.cursor,
            limit=page_req.limit + 1,
        )
