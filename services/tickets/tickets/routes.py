"""Ticket and comment routes: identity -> schema -> service -> response."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from asyncpg import Pool, Record
from servelo_common.etag import check_if_match
from servelo_common.http import body, caller, json, message, path_id, query, require_role
from servelo_common.idempotency import idempotent
from servelo_common.pagination import page, page_request
from servelo_common.routing import api_route
from starlette.requests import Request
from starlette.responses import Response

from tickets import service
from tickets.listing import parse_filters
from tickets.photo_routes import PHOTO_ROUTES
from tickets.schemas import (
    CommentCreate,
    CommentPublic,
    TicketCreate,
    TicketFilters,
    TicketPublic,
    TicketUpdate,
)

TAGS = ("tickets",)


def _pool(request: Request) -> Pool:
    return request.state.db


def _ticket(row: Record, status: int = 200) -> Response:
    headers = {"ETag": service.ticket_etag(row)}
    if status == 201:
        headers["Location"] = f"/api/tickets/{row['id']}"
    return json(TicketPublic.model_validate(dict(row)), status=status, headers=headers)


def _trashed(request: Request) -> bool:
    return request.query_params.get("trashed", "").lower() in ("1", "true", "yes")


async def list_tickets(request: Request) -> Response:
    """List tickets: filters, sort, keyset pages; `trashed=1` lists the Trash."""
    ident = caller(request)
    assert ident.user_id is not None
    filters = parse_filters(query(request, TicketFilters), caller_id=ident.user_id)
    pr = page_request(request, key_types=filters.sort.key_types)
    rows = await service.list_tickets(_pool(request), ident, filters, pr)
    items, headers = page(request, rows, pr, key=filters.sort.key)
    return json([TicketPublic.model_validate(dict(r)).to_json() for r in items], headers=headers)


async def get_ticket(request: Request) -> Response:
    """Get a ticket (`trashed=1` also finds it in the Trash)."""
    ident = caller(request)
    ticket_id = path_id(request, message=service.TICKET_NOT_FOUND)
    trashed = None if _trashed(request) else False
    return _ticket(await service.get_ticket(_pool(request), ident, ticket_id, trashed=trashed))


async def create_ticket(request: Request) -> Response:
    """Create a ticket; it gets the org's next number."""
    ident = caller(request)

    async def create() -> Response:
        data = await body(request, TicketCreate)
        return _ticket(await service.create_ticket(_pool(request), ident, data), status=201)

    return await idempotent(request, create)


async def update_ticket(request: Request) -> Response:
    """Update a ticket (partial); `If-Match` answers 412 when it changed meanwhile."""
    ident = caller(request)
    ticket_id = path_id(request, message=service.TICKET_NOT_FOUND)
    data = await body(request, TicketUpdate)
    row = await service.update_ticket(
        _pool(request), ident, ticket_id, data, guard=lambda etag: check_if_match(request, etag)
    )
    return _ticket(row)


async def delete_ticket(request: Request) -> Response:
    """Move a ticket to Trash (admin only)."""
    ident = require_role(request, "admin")
    ticket_id = path_id(request, message=service.TICKET_NOT_FOUND)
    await service.trash_ticket(_pool(request), ident, ticket_id)
    return message("Ticket moved to Trash")


async def restore_ticket(request: Request) -> Response:
    """Bring a ticket back from Trash (admin only)."""
    ident = require_role(request, "admin")
    ticket_id = path_id(request, message=service.TICKET_NOT_FOUND)
    return _ticket(await service.restore_ticket(_pool(request), ident, ticket_id))


async def list_comments(request: Request) -> Response:
    """List a ticket's comments, oldest first."""
    ident = caller(request)
    ticket_id = path_id(request, message=service.TICKET_NOT_FOUND)
    pr = page_request(request, key_types=(datetime, UUID))
    rows = await service.list_comments(_pool(request), ident, ticket_id, pr)
    items, headers = page(request, rows, pr, key=lambda r: (r["created_at"], r["id"]))
    return json([CommentPublic.model_validate(dict(r)).to_json() for r in items], headers=headers)


async def add_comment(request: Request) -> Response:
    """Add a comment; the author is the caller."""
    ident = caller(request)
    ticket_id = path_id(request, message=service.TICKET_NOT_FOUND)

    async def add() -> Response:
        data = await body(request, CommentCreate)
        row = await service.add_comment(_pool(request), ident, ticket_id, data)
        return json(CommentPublic.model_validate(dict(row)), status=201)

    return await idempotent(request, add)


ROUTES = [
    api_route(
        "/api/tickets",
        list_tickets,
        methods=["GET"],
        response=TicketPublic,
        list_response=True,
        tags=TAGS,
    ),
    api_route(
        "/api/tickets",
        create_ticket,
        methods=["POST"],
        body=TicketCreate,
        response=TicketPublic,
        status=201,
        tags=TAGS,
    ),
    api_route("/api/tickets/{id}", get_ticket, methods=["GET"], response=TicketPublic, tags=TAGS),
    api_route(
        "/api/tickets/{id}",
        update_ticket,
        methods=["PUT"],
        body=TicketUpdate,
        response=TicketPublic,
        tags=TAGS,
    ),
    api_route("/api/tickets/{id}", delete_ticket, methods=["DELETE"], tags=TAGS),
    api_route(
        "/api/tickets/{id}/restore",
        restore_ticket,
        methods=["POST"],
        response=TicketPublic,
        tags=TAGS,
    ),
    api_route(
        "/api/tickets/{id}/comments",
        list_comments,
        methods=["GET"],
        response=CommentPublic,
        list_response=True,
        tags=TAGS,
    ),
    api_route(
        "/api/tickets/{id}/comments",
        add_comment,
        methods=["POST"],
        body=CommentCreate,
        response=CommentPublic,
        status=201,
        tags=TAGS,
    ),
    *PHOTO_ROUTES,
]
