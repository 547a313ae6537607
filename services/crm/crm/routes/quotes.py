"""Quote routes: `/api/quotes[/:id]` and `POST /api/quotes/:id/send`."""

from __future__ import annotations

from datetime import datetime
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

from crm.schemas import QuoteCreate, QuotePublic, QuoteQuery, QuoteUpdate
from crm.service import quotes


async def list_quotes(request: Request) -> Response:
    """List quotes, newest first; filter by `status`, `customer_id`, `updated_since`."""
    ident = caller(request)
    q = query(request, QuoteQuery)
    pr = page_request(request, key_types=(datetime, UUID), sync_id=UUID)
    found = await quotes.list_quotes(request.state.db, ident=ident, query=q, page=pr)
    return page_response(request, found, pr, lambda o: (o.created_at, o.id), QuotePublic)


async def get_quote(request: Request) -> Response:
    """Get one quote, with its `ETag`."""
    ident = caller(request)
    quote_id = path_id(request, message=quotes.NOT_FOUND)
    return resource(
        QuotePublic, await quotes.get_quote(request.state.db, ident=ident, quote_id=quote_id)
    )


async def create_quote(request: Request) -> Response:
    """Create a draft quote; totals are computed from the lines (`Idempotency-Key`)."""
    ident = caller(request)

    async def run() -> Response:
        data = await body(request, QuoteCreate)
        quote = await quotes.create_quote(request.state.db, ident=ident, data=data)
        return resource(QuotePublic, quote, status=201)

    return await idempotent(request, run)


async def update_quote(request: Request) -> Response:
    """Edit a draft, or change the status (sent, accepted, declined); `If-Match` honoured."""
    ident = caller(request)
    quote_id = path_id(request, message=quotes.NOT_FOUND)
    data = await body(request, QuoteUpdate)
    quote = await quotes.update_quote(
        request.state.db,
        ident=ident,
        quote_id=quote_id,
        data=data,
        precondition=if_match(request),
    )
    return resource(QuotePublic, quote)


async def send_quote(request: Request) -> Response:
    """Email the quote to its client and mark it sent (`Idempotency-Key`, `If-Match`)."""
    ident = caller(request)
    quote_id = path_id(request, message=quotes.NOT_FOUND)

    async def run() -> Response:
        quote = await quotes.send_quote(
            request.state.db, ident=ident, quote_id=quote_id, precondition=if_match(request)
        )
        return resource(QuotePublic, quote)

    return await idempotent(request, run)


async def delete_quote(request: Request) -> Response:
    """Delete a quote (admin only); `If-Match` honoured."""
    ident = require_role(request, "admin")
    quote_id = path_id(request, message=quotes.NOT_FOUND)
    await quotes.delete_quote(
        request.state.db, ident=ident, quote_id=quote_id, precondition=if_match(request)
    )
    return message("Quote deleted")


TAGS = [
    Tag(
        "quotes",
        "Priced offers to a client: line items, a tax rate, totals computed by the server."
        " A draft is edited, then sent (emailed), then accepted or declined with `PUT`.",
    )
]
ROUTES = [
    api_route(
        "/api/quotes",
        list_quotes,
        methods=["GET"],
        query=QuoteQuery,
        response=QuotePublic,
        list_response=True,
        sync=True,
        tags=TAGS,
    ),
    api_route(
        "/api/quotes",
        create_quote,
        methods=["POST"],
        body=QuoteCreate,
        response=QuotePublic,
        status=201,
        headers=[IDEMPOTENCY_KEY],
        etag=True,
        tags=TAGS,
    ),
    api_route(
        "/api/quotes/{id}",
        get_quote,
        methods=["GET"],
        response=QuotePublic,
        etag=True,
        tags=TAGS,
    ),
    api_route(
        "/api/quotes/{id}",
        update_quote,
        methods=["PUT", "PATCH"],
        body=QuoteUpdate,
        response=QuotePublic,
        headers=[IF_MATCH],
        errors=[409],
        etag=True,
        tags=TAGS,
    ),
    api_route(
        "/api/quotes/{id}/send",
        send_quote,
        methods=["POST"],
        response=QuotePublic,
        headers=[IDEMPOTENCY_KEY, IF_MATCH],
        errors=[409],
        etag=True,
        tags=TAGS,
    ),
    api_route(
        "/api/quotes/{id}",
        delete_quote,
        methods=["DELETE"],
        headers=[IF_MATCH],
        tags=TAGS,
    ),
]
