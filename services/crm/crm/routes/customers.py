"""Client routes: `/api/customers[/:id]`."""

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

from crm.schemas import CustomerCreate, CustomerPublic, CustomerQuery, CustomerUpdate
from crm.service import customers


async def list_customers(request: Request) -> Response:
    """List clients, newest first; `q` searches name, email and phone."""
    ident = caller(request)
    q = query(request, CustomerQuery)
    pr = page_request(request, key_types=(datetime, UUID), sync_id=UUID)
    found = await customers.list_customers(request.state.db, ident=ident, query=q, page=pr)
    return page_response(request, found, pr, lambda c: (c.created_at, c.id), CustomerPublic)


async def get_customer(request: Request) -> Response:
    """Get one client."""
    ident = caller(request)
    customer_id = path_id(request, message=customers.NOT_FOUND)
    customer = await customers.get_customer(request.state.db, ident=ident, customer_id=customer_id)
    return resource(CustomerPublic, customer)


async def create_customer(request: Request) -> Response:
    """Create a client (`Idempotency-Key` honoured)."""
    ident = caller(request)

    async def run() -> Response:
        data = await body(request, CustomerCreate)
        customer = await customers.create_customer(request.state.db, ident=ident, data=data)
        return resource(CustomerPublic, customer, status=201)

    return await idempotent(request, run)


async def update_customer(request: Request) -> Response:
    """Update a client's fields (only those sent); `If-Match` honoured."""
    ident = caller(request)
    customer_id = path_id(request, message=customers.NOT_FOUND)
    data = await body(request, CustomerUpdate)
    customer = await customers.update_customer(
        request.state.db,
        ident=ident,
        customer_id=customer_id,
        data=data,
        precondition=if_match(request),
    )
    return resource(CustomerPublic, customer)


async def delete_customer(request: Request) -> Response:
    """Delete a client (admin only); refused with 409 while the client has quotes."""
    ident = require_role(request, "admin")
    customer_id = path_id(request, message=customers.NOT_FOUND)
    await customers.delete_customer(
        request.state.db, ident=ident, customer_id=customer_id, precondition=if_match(request)
    )
    return message("Client deleted")


TAGS = [
    Tag(
        "clients",
        "The org's clients (`/api/customers`): who tickets, quotes, revenue and projects are"
        " for. An email is unique among an org's clients.",
    )
]
ROUTES = [
    api_route(
        "/api/customers",
        list_customers,
        methods=["GET"],
        query=CustomerQuery,
        response=CustomerPublic,
        list_response=True,
        sync=True,
        tags=TAGS,
    ),
    api_route(
        "/api/customers",
        create_customer,
        methods=["POST"],
        body=CustomerCreate,
        response=CustomerPublic,
        status=201,
        headers=[IDEMPOTENCY_KEY],
        errors=[409],
        etag=True,
        tags=TAGS,
    ),
    api_route(
        "/api/customers/{id}",
        get_customer,
        methods=["GET"],
        response=CustomerPublic,
        etag=True,
        tags=TAGS,
    ),
    api_route(
        "/api/customers/{id}",
        update_customer,
        methods=["PUT", "PATCH"],
        body=CustomerUpdate,
        response=CustomerPublic,
        headers=[IF_MATCH],
        errors=[409],
        etag=True,
        tags=TAGS,
    ),
    api_route(
        "/api/customers/{id}",
        delete_customer,
        methods=["DELETE"],
        headers=[IF_MATCH],
        errors=[409],
        tags=TAGS,
    ),
]
