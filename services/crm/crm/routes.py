"""HTTP routes: identity -> schema -> service -> response. Deletes are admin only."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from servelo_common.etag import check_if_match
from servelo_common.http import body, caller, json, message, path_id, query, require_role
from servelo_common.idempotency import idempotent
from servelo_common.pagination import PageRequest, page, page_request
from servelo_common.routing import api_route
from starlette.requests import Request
from starlette.responses import Response

from crm.repository import Record
from crm.schemas import (
    CustomerCreate,
    CustomerPublic,
    CustomerQuery,
    CustomerUpdate,
    QuoteCreate,
    QuotePublic,
    QuoteQuery,
    QuoteUpdate,
)
from crm.service import Precondition, customers, quotes, row_etag


def _if_match(request: Request) -> Precondition:
    return lambda etag: check_if_match(request, etag)


def _one(
    model: type[CustomerPublic] | type[QuotePublic], row: Record, status: int = 200
) -> Response:
    return json(model.model_validate(dict(row)), status=status, headers={"ETag": row_etag(row)})


def _page(
    request: Request,
    model: type[CustomerPublic] | type[QuotePublic],
    rows: list[Record],
    pr: PageRequest,
) -> Response:
    items, headers = page(request, rows, pr, key=lambda r: (r["created_at"], r["id"]))
    return json([model.model_validate(dict(r)).to_json() for r in items], headers=headers)


# --- clients ---------------------------------------------------------------------------


async def list_customers(request: Request) -> Response:
    """List clients, newest first; `q` searches name, email and phone."""
    ident = caller(request)
    filters = query(request, CustomerQuery)
    pr = page_request(request, key_types=(datetime, UUID))
    rows = await customers.list_customers(
        request.state.db, org_id=UUID(ident.org_id), page=pr, filters=filters
    )
    return _page(request, CustomerPublic, rows, pr)


async def get_customer(request: Request) -> Response:
    """Get one client."""
    ident = caller(request)
    row = await customers.get_customer(
        request.state.db,
        org_id=UUID(ident.org_id),
        customer_id=path_id(request, message=customers.NOT_FOUND),
    )
    return _one(CustomerPublic, row)


async def create_customer(request: Request) -> Response:
    """Create a client (`Idempotency-Key` honoured)."""
    ident = caller(request)

    async def run() -> Response:
        data = await body(request, CustomerCreate)
        row = await customers.create_customer(
            request.state.db, org_id=UUID(ident.org_id), data=data
        )
        return _one(CustomerPublic, row, status=201)

    return await idempotent(request, run)


async def update_customer(request: Request) -> Response:
    """Update a client's fields (only those sent); `If-Match` honoured."""
    ident = caller(request)
    customer_id = path_id(request, message=customers.NOT_FOUND)
    data = await body(request, CustomerUpdate)
    row = await customers.update_customer(
        request.state.db,
        org_id=UUID(ident.org_id),
        customer_id=customer_id,
        data=data,
        precondition=_if_match(request),
    )
    return _one(CustomerPublic, row)


async def delete_customer(request: Request) -> Response:
    """Delete a client (admin only); refused with 409 while the client has quotes."""
    ident = require_role(request, "admin")
    await customers.delete_customer(
        request.state.db,
        org_id=UUID(ident.org_id),
        customer_id=path_id(request, message=customers.NOT_FOUND),
        precondition=_if_match(request),
    )
    return message("Client deleted")


# --- quotes ----------------------------------------------------------------------------


async def list_quotes(request: Request) -> Response:
    """List quotes, newest first; filter by `status`, `customer_id`, `updated_since`."""
    ident = caller(request)
    filters = query(request, QuoteQuery)
    pr = page_request(request, key_types=(datetime, UUID))
    rows = await quotes.list_quotes(
        request.state.db, org_id=UUID(ident.org_id), page=pr, filters=filters
    )
    return _page(request, QuotePublic, rows, pr)


async def get_quote(request: Request) -> Response:
    """Get one quote, with its `ETag`."""
    ident = caller(request)
    row = await quotes.get_quote(
        request.state.db,
        org_id=UUID(ident.org_id),
        quote_id=path_id(request, message=quotes.NOT_FOUND),
    )
    return _one(QuotePublic, row)


async def create_quote(request: Request) -> Response:
    """Create a draft quote; totals are computed from the lines (`Idempotency-Key`)."""
    ident = caller(request)

    async def run() -> Response:
        data = await body(request, QuoteCreate)
        row = await quotes.create_quote(
            request.state.db,
            org_id=UUID(ident.org_id),
            user_id=UUID(ident.user_id) if ident.user_id else None,
            data=data,
        )
        return _one(QuotePublic, row, status=201)

    return await idempotent(request, run)


async def update_quote(request: Request) -> Response:
    """Edit a draft, or change the status (sent, accepted, declined); `If-Match` honoured."""
    ident = caller(request)
    quote_id = path_id(request, message=quotes.NOT_FOUND)
    data = await body(request, QuoteUpdate)
    row = await quotes.update_quote(
        request.state.db,
        org_id=UUID(ident.org_id),
        quote_id=quote_id,
        data=data,
        precondition=_if_match(request),
    )
    return _one(QuotePublic, row)


async def send_quote(request: Request) -> Response:
    """Email the quote to its client and mark it sent (`Idempotency-Key`, `If-Match`)."""
    ident = caller(request)
    quote_id = path_id(request, message=quotes.NOT_FOUND)

    async def run() -> Response:
        row = await quotes.send_quote(
            request.state.db,
            org_id=UUID(ident.org_id),
            quote_id=quote_id,
            precondition=_if_match(request),
        )
        return _one(QuotePublic, row)

    return await idempotent(request, run)


async def delete_quote(request: Request) -> Response:
    """Delete a quote (admin only); `If-Match` honoured."""
    ident = require_role(request, "admin")
    await quotes.delete_quote(
        request.state.db,
        org_id=UUID(ident.org_id),
        quote_id=path_id(request, message=quotes.NOT_FOUND),
        precondition=_if_match(request),
    )
    return message("Quote deleted")


_C, _Q = ["clients"], ["quotes"]
ROUTES = [
    api_route(
        "/api/customers",
        list_customers,
        methods=["GET"],
        response=CustomerPublic,
        list_response=True,
        tags=_C,
    ),
    api_route(
        "/api/customers",
        create_customer,
        methods=["POST"],
        body=CustomerCreate,
        response=CustomerPublic,
        status=201,
        tags=_C,
    ),
    api_route(
        "/api/customers/{id}", get_customer, methods=["GET"], response=CustomerPublic, tags=_C
    ),
    api_route(
        "/api/customers/{id}",
        update_customer,
        methods=["PUT", "PATCH"],
        body=CustomerUpdate,
        response=CustomerPublic,
        tags=_C,
    ),
    api_route("/api/customers/{id}", delete_customer, methods=["DELETE"], tags=_C),
    api_route(
        "/api/quotes",
        list_quotes,
        methods=["GET"],
        response=QuotePublic,
        list_response=True,
        tags=_Q,
    ),
    api_route(
        "/api/quotes",
        create_quote,
        methods=["POST"],
        body=QuoteCreate,
        response=QuotePublic,
        status=201,
        tags=_Q,
    ),
    api_route("/api/quotes/{id}", get_quote, methods=["GET"], response=QuotePublic, tags=_Q),
    api_route(
        "/api/quotes/{id}",
        update_quote,
        methods=["PUT", "PATCH"],
        body=QuoteUpdate,
        response=QuotePublic,
        tags=_Q,
    ),
    api_route("/api/quotes/{id}/send", send_quote, methods=["POST"], response=QuotePublic, tags=_Q),
    api_route("/api/quotes/{id}", delete_quote, methods=["DELETE"], tags=_Q),
]
