"""Client routes: `/api/customers[/:id]`."""

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
from servelo_common.routing import IDEMPOTENCY_KEY, IF_MATCH, Tag, api_route

from crm.schemas import CustomerCreate, CustomerPublic, CustomerQuery, CustomerUpdate
from crm.service import customers

list_customers = list_endpoint(
    customers.list_customers,
    query=CustomerQuery,
    public=CustomerPublic,
    key=lambda c: (c.created_at, c.id),
    key_types=(datetime, UUID),
    sync_id=UUID,
    doc="List clients, newest first; `q` searches name, email and phone.",
)
get_customer = get_endpoint(
    customers.get_customer,
    id="customer_id",
    not_found=customers.NOT_FOUND,
    public=CustomerPublic,
    doc="Get one client.",
)
create_customer = create_endpoint(
    customers.create_customer,
    body=CustomerCreate,
    public=CustomerPublic,
    idempotent=True,
    doc="Create a client (`Idempotency-Key` honoured).",
)
update_customer = update_endpoint(
    customers.update_customer,
    id="customer_id",
    not_found=customers.NOT_FOUND,
    body=CustomerUpdate,
    public=CustomerPublic,
    precondition=True,
    doc="Update a client's fields (only those sent); `If-Match` honoured.",
)
delete_customer = delete_endpoint(
    customers.delete_customer,
    id="customer_id",
    not_found=customers.NOT_FOUND,
    roles=("admin",),
    precondition=True,
    message="Client deleted",
    doc="Delete a client (admin only); refused with 409 while the client has quotes.",
)


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
