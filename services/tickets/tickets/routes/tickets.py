"""Ticket routes: `/api/tickets[/:id]` and `POST /api/tickets/:id/restore`."""

from __future__ import annotations

from uuid import UUID

from servelo_common.endpoints import create_endpoint, delete_endpoint, update_endpoint
from servelo_common.http import caller, path_id, query, require_role, resource
from servelo_common.pagination import page_request, page_response
from servelo_common.routing import IDEMPOTENCY_KEY, IF_MATCH, Tag, api_route
from starlette.requests import Request
from starlette.responses import Response

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
    return resource(TicketPublic, ticket)


create_ticket = create_endpoint(
    service.create_ticket,
    body=TicketCreate,
    public=TicketPublic,
    idempotent=True,
    location=lambda ticket: f"/api/tickets/{ticket.id}",
    doc="Create a ticket; it gets the org's next number.",
)
update_ticket = update_endpoint(
    service.update_ticket,
    id="ticket_id",
    not_found=TICKET_NOT_FOUND,
    body=TicketUpdate,
    public=TicketPublic,
    precondition=True,
    doc="Update a ticket (partial); `If-Match` answers 412 when it changed meanwhile.",
)
delete_ticket = delete_endpoint(
    service.trash_ticket,
    name="delete_ticket",
    roles=("admin",),
    id="ticket_id",
    not_found=TICKET_NOT_FOUND,
    message="Ticket moved to Trash",
    doc="Move a ticket to Trash (admin only).",
)


async def restore_ticket(request: Request) -> Response:
    """Bring a ticket back from Trash (admin only)."""
    ident = require_role(request, "admin")
    ticket_id = path_id(request, message=TICKET_NOT_FOUND)
    ticket = await service.restore_ticket(request.state.db, ident=ident, ticket_id=ticket_id)
    return resource(TicketPublic, ticket)


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
