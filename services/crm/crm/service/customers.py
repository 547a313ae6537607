"""Client use cases: search, create, update, delete (refused while the client has quotes)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

import asyncpg
from servelo_common.db import tenant_tx
from servelo_common.errors import Conflict, NotFound, found
from servelo_common.events import emit
from servelo_common.identity import Identity
from servelo_common.pagination import PageRequest

from crm.domain import Customer, search_term
from crm.events import CustomerCreated, CustomerDeleted, CustomerUpdated
from crm.repository import customers as repo
from crm.schemas import CustomerCreate, CustomerQuery, CustomerUpdate
from crm.service import Precondition

NOT_FOUND = "Client not found"
DUPLICATE_EMAIL = "A client with this email already exists"


async def list_customers(
    pool: asyncpg.Pool, *, ident: Identity, query: CustomerQuery, page: PageRequest
) -> list[Customer]:
    org_id = ident.org_uuid
    async with tenant_tx(pool, org_id, readonly=True) as conn:
        rows = await repo.list_customers(
            conn,
            org_id=org_id,
            limit=page.limit + 1,
            cursor=page.cursor,
            term=search_term(query.q) if query.q else None,
            since=page.since,
        )
    return [Customer.from_row(r) for r in rows]


async def get_customer(pool: asyncpg.Pool, *, ident: Identity, customer_id: UUID) -> Customer:
    org_id = ident.org_uuid
    async with tenant_tx(pool, org_id, readonly=True) as conn:
        row = await repo.get_customer(conn, org_id=org_id, customer_id=customer_id)
    return Customer.from_row(found(row, NOT_FOUND))


@contextmanager
def _unique_email() -> Iterator[None]:
    try:
        yield
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name == "customers_org_email":
            raise Conflict(DUPLICATE_EMAIL) from exc
        raise


async def create_customer(pool: asyncpg.Pool, *, ident: Identity, data: CustomerCreate) -> Customer:
    org_id = ident.org_uuid
    with _unique_email():
        async with tenant_tx(pool, org_id) as conn:
            row = await repo.insert_customer(conn, org_id=org_id, values=data.model_dump())
            customer = Customer.from_row(row)
            await emit(conn, CustomerCreated.of(customer), tenant=org_id, subject=customer.id)
    return customer


async def update_customer(
    pool: asyncpg.Pool,
    *,
    ident: Identity,
    customer_id: UUID,
    data: CustomerUpdate,
    precondition: Precondition | None = None,
) -> Customer:
    org_id = ident.org_uuid
    with _unique_email():
        async with tenant_tx(pool, org_id) as conn:
            current = await repo.get_customer(
                conn, org_id=org_id, customer_id=customer_id, for_update=True
            )
            if current is None:
                raise NotFound(NOT_FOUND)
            if precondition is not None:
                precondition(Customer.from_row(current).etag)
            changes = {k: v for k, v in data.provided().items() if current[k] != v}
            if not changes:
                return Customer.from_row(current)
            row = await repo.update_customer(
                conn, org_id=org_id, customer_id=customer_id, values=changes
            )
            customer = Customer.from_row(row)
            await emit(conn, CustomerUpdated.of(customer), tenant=org_id, subject=customer.id)
    return customer


async def delete_customer(
    pool: asyncpg.Pool,
    *,
    ident: Identity,
    customer_id: UUID,
    precondition: Precondition | None = None,
) -> None:
    org_id = ident.org_uuid
    try:
        async with tenant_tx(pool, org_id) as conn:
            current = await repo.get_customer(
                conn, org_id=org_id, customer_id=customer_id, for_update=True
            )
            if current is None:
                raise NotFound(NOT_FOUND)
            if precondition is not None:
                precondition(Customer.from_row(current).etag)
            quotes = await repo.count_quotes_of_customer(
                conn, org_id=org_id, customer_id=customer_id
            )
            if quotes:
                raise _has_quotes(quotes)
            await repo.delete_customer(conn, org_id=org_id, customer_id=customer_id)
            await emit(
                conn, CustomerDeleted(id=str(customer_id)), tenant=org_id, subject=customer_id
            )
    except asyncpg.ForeignKeyViolationError as exc:
        # A quote for this client was created between the count and the delete.
        raise _has_quotes(None) from exc


def _has_quotes(count: int | None) -> Conflict:
    if count is None:
        return Conflict("This client has quotes; delete the quotes first, or keep the client")
    noun = "quote" if count == 1 else "quotes"
    return Conflict(
        f"This client has {count} {noun}; delete the {noun} first, or keep the client", quotes=count
    )
