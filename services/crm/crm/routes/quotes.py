"""Quote routes: `/api/quotes[/:id]` and `POST /api/quotes/:id/send`."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from servelo_common.endpoints import (
    create_endpoint,
    delete_endpoint,
    get_endpoint,
    list_endpoint,
    update_endpoint,
)
from servelo_common.etag import if_match
from servelo_common.http import caller, path_id, resource
from servelo_common.idempotency import idempotent
from servelo_common.routing import IDEMPOTENCY_KEY, IF_MATCH, Tag, api_route
from starlette.requests import Request
from starlette.responses import Response

from crm.schemas import QuoteCreate, QuotePublic, QuoteQuery, QuoteUpdate
from crm.service import quotes

list_quotes = list_endpoint(
    quotes.list_quotes,
    query=QuoteQuery,
    public=QuotePublic,
    key=lambda o: (o.created_at, o.id),
    key_types=(datetime, UUID),
    sync_id=UUID,
    doc="List quotes, newest first; filter by `status`, `customer_id`, `updated_since`.",
)
get_quote = get_endpoint(
    quotes.get_quote,
    id="quote_id",
    not_found=quotes.NOT_FOUND,
    public=QuotePublic,
    doc="Get one quote, with its `ETag`.",
)
create_quote = create_endpoint(
    quotes.create_quote,
    body=QuoteCreate,
    public=QuotePublic,
    idempotent=True,
    doc="Create a draft quote; totals are computed from the lines (`Idempotency-Key`).",
)
update_quote = update_endpoint(
    quotes.update_quote,
    id="quote_id",
    not_found=quotes.NOT_FOUND,
    body=QuoteUpdate,
    public=QuotePublic,
    precondition=True,
    doc="Edit a draft, or change the status (sent, accepted, declined); `If-Match` honoured.",
)
delete_quote = delete_endpoint(
    quotes.delete_quote,
    id="quote_id",
    not_found=quotes.NOT_FOUND,
    roles=("admin",),
    precondition=True,
    message="Quote deleted",
    doc="Delete a quote (admin only); `If-Match` honoured.",
)


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
