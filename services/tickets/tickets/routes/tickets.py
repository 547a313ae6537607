"""Ticket routes: `/api/tickets[/:id]` and `POST /api/tickets/:id/restore`."""

from __future__ import annotations

from uuid import UUID

from servelo_common.etag import if_match
from servelo_common.http import (
    body,
    caller,
    message,
    path_id,
    query,
    require_role,
    resource,
)
from servelo_common.idempotency import idempotent
from servelo_common.pagination import page_request, page_response
from servelo_common.routing import IDEMPOTENCY_KEY, IF_MATCH, Tag, api_route
from starlette.requests import Request
from starlette.responses import Response

from tickets.domain import Ticket
from tickets.listing import for_sync, parse_filters
from tickets.schemas import TicketCreate, TicketLookup, TicketPublic, TicketQuery, TicketUpdate
from tickets.service import TICKET_NOT_FOUND
from tickets.service import tickets as service

TICKETS = Tag(
    "tickets",
    "Work orders: numbered per org, with a status, a priority, an assignee and a schedule;"
    " their comments and photos. Deleting moves a ticket to the Trash (`trashed=true`).",
)
TAGS = (TICKETS,)


def _ticket(ticket: Ticket, status: int = 200) -> Response:
    headers = {"Location": f"/api/tickets/{ticket.id}"} if status == 201 else None
    return resource(TicketPublic, ticket, status=status, headers=headers)


async def list_tickets(request: Request) -> Response:
    """List tickets: filters, sort, keyset pages; `trashed=1` lists the Trash;
    `updated_since` lists changes, trashed tickets included."""
    ident = caller(request)
    assert ident.user_id is not None
    filters = parse_filters(query(request, TicketQuery), caller_id=ident.user_id)
    pr = page_request(request, key_types=filters.sort.key_types, sync_id=UUID)
    if pr.since is not None:
        filters = for_sync(filters, pr.since)
    found = await service.list_tickets(request.state.db, ident=ident, query=filters, page=pr)
    return page_response(request, found, pr, filters.sort.key, TicketPublic)


async def get_ticket(request: Request) -> Response:
    """Get a ticket (`trashed=1` also finds it in the Trash)."""
    ident = caller(request)
    ticket_id = path_id(request, message=TICKET_NOT_FOUND)
    trashed = None if query(request, TicketLookup).trashed else False
    ticket = await service.get_ticket(
        request.state.db, ident=ident, ticket_id=ticket_id, trashed=trashed
    )
    return _ticket(ticket)


async def create_ticket(request: Request) -> Response:
    """Create a ticket; it gets the org's next number."""
    ident = caller(request)

    async def create() -> Response:
        data = await body(request, TicketCreate)
        ticket = await service.create_ticket(request.state.db, ident=ident, data=data)
        return _ticket(ticket, status=201)

    return await idempotent(request, create)


async def update_ticket(request: Request) -> Response:
    """Update a ticket (partial); `If-Match` answers 412 when it changed meanwhile."""
    ident = caller(request)
    ticket_id = path_id(request, message=TICKET_NOT_FOUND)
    data = await body(request, TicketUpdate)
    ticket = await service.update_ticket(
        request.state.db,
        ident=ident,
        ticket_id=ticket_id,
        data=data,
        precondition=if_match(request),
    )
    return _ticket(ticket)


async def delete_ticket(request: Request) -> Response:
    """Move a ticket to Trash (admin only)."""
    ident = require_role(request, "admin")
    ticket_id = path_id(request, message=TICKET_NOT_FOUND)
    await service.trash_ticket(request.state.db, ident=ident, ticket_id=ticket_id)
    return message("Ticket moved to Trash")


async def restore_ticket(request: Request) -> Response:
    """Bring a ticket back from Trash (admin only)."""
    ident = require_role(request, "admin")
    ticket_id = path_id(request, message=TICKET_NOT_FOUND)
    ticket = await service.restore_ticket(request.state.db, ident=ident, ticket_id=ticket_id)
    return _ticket(ticket)


ROUTES = [
    api_route(
        "/api/tickets",
        list_tickets,
        methods=["GET"],
        query=TicketQuery,
        response=TicketPublic,
        list_response=True,
        sync=True,
        tags=TAGS,
    ),
    api_route(
        "/api/tickets",
        create_ticket,
        methods=["POST"],
        body=TicketCreate,
        response=TicketPublic,
        status=201,
        headers=[IDEMPOTENCY_KEY],
        etag=True,
        tags=TAGS,
    ),
    api_route(
        "/api/tickets/{id}",
        get_ticket,
        methods=["GET"],
        query=TicketLookup,
        response=TicketPublic,
        etag=True,
        tags=TAGS,
    ),
    api_route(
        "/api/tickets/{id}",
        update_ticket,
        methods=["PUT"],
        body=TicketUpdate,
        response=TicketPublic,
        headers=[IF_MATCH],
        etag=True,
        tags=TAGS,
    ),
    api_route("/api/tickets/{id}", delete_ticket, methods=["DELETE"], tags=TAGS),
    api_route(
        "/api/tickets/{id}/restore",
        restore_ticket,
        methods=["POST"],
        response=TicketPublic,
        etag=True,
        tags=TAGS,
    ),
]
