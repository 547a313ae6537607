"""Comment routes: `/api/tickets/:id/comments`."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from servelo_common.http import body, caller, path_id, resource
from servelo_common.idempotency import idempotent
from servelo_common.pagination import page_request, page_response
from servelo_common.routing import IDEMPOTENCY_KEY, api_route
from starlette.requests import Request
from starlette.responses import Response

from tickets.routes.tickets import TAGS
from tickets.schemas import CommentCreate, CommentPublic
from tickets.service import TICKET_NOT_FOUND
from tickets.service import comments as service


async def list_comments(request: Request) -> Response:
    """List a ticket's comments, oldest first."""
    ident = caller(request)
    ticket_id = path_id(request, message=TICKET_NOT_FOUND)
    pr = page_request(request, key_types=(datetime, UUID), sync_id=UUID)
    found = await service.list_comments(request.state.db, ident=ident, ticket_id=ticket_id, page=pr)
    return page_response(request, found, pr, lambda c: (c.created_at, c.id), CommentPublic)


async def add_comment(request: Request) -> Response:
    """Add a comment; the author is the caller."""
    ident = caller(request)
    ticket_id = path_id(request, message=TICKET_NOT_FOUND)

    async def add() -> Response:
        data = await body(request, CommentCreate)
        comment = await service.add_comment(
            request.state.db, ident=ident, ticket_id=ticket_id, data=data
        )
        return resource(CommentPublic, comment, status=201)

    return await idempotent(request, add)


ROUTES = [
    api_route(
        "/api/tickets/{id}/comments",
        list_comments,
        methods=["GET"],
        response=CommentPublic,
        list_response=True,
        sync=True,
        tags=TAGS,
    ),
    api_route(
        "/api/tickets/{id}/comments",
        add_comment,
        methods=["POST"],
        body=CommentCreate,
        response=CommentPublic,
        status=201,
        headers=[IDEMPOTENCY_KEY],
        tags=TAGS,
    ),
]
