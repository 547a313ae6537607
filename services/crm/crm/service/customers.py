"""Client use cases: search, create, update, delete (refused while the client has quotes)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import asyncpg
from servelo_common.db import tenant_tx
from servelo_common.errors import Conflict, NotFound
from servelo_common.events import emit
from servelo_common.pagination import PageRequest

from crm.contacts import search_phone_digits
from crm.events import CustomerCreated, CustomerDeleted, CustomerUpdated
from crm.repository import Record
from crm.repository import customers as repo
from crm.schemas import CustomerCreate, CustomerQuery, CustomerUpdate
from crm.service import Precondition, row_etag

NOT_FOUND = "Client not found"
DUPLICATE_EMAIL = "A client with this email already exists"


def like_pattern(term: str) -> str:
    """`%term%` with LIKE's own wildcards in the term taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_term(q: str) -> str:
    """What to look for in `name email phone`: phone-like input as bare digits."""
    return search_phone_digits(q) or q.lower()


async def list_customers(
    pool: asyncpg.Pool, *, org_id: UUID, page: PageRequest, filters: CustomerQuery
) -> list[Record]:
    term = search_term(filters.q) if filters.q else None
    async with tenant_tx(pool, org_id) as conn:
        return await repo.list_customers(
            conn,
            org_id=org_id,
            limit=page.limit + 1,
            cursor=page.cursor,
            pattern=like_pattern(term) if term else None,
            grams_of=term if term and len(term) >= 3 else None,
            updated_since=filters.updated_since,
        )


async def get_customer(pool: asyncpg.Pool, *, org_id: UUID, customer_id: UUID) -> Record:
    async with tenant_tx(pool, org_id) as conn:
        row = await repo.get_customer(conn, org_id=org_id, customer_id=customer_id)
    if row is None:
        raise NotFound(NOT_FOUND)
    return row


@contextmanager
def _unique_email() -> Iterator[None]:
    try:
        yield
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name == "customers_org_email":
            raise Conflict(DUPLICATE_EMAIL) from exc
        raise


def _event_data(row: Record) -> dict[str, Any]:
    return {"id": str(row["id"]), "name": row["name"], "email": row["email"], "phone": row["phone"]}


async def create_customer(pool: asyncpg.Pool, *, org_id: UUID, data: CustomerCreate) -> Record:
    with _unique_email():
        async with tenant_tx(pool, org_id) as conn:
            row = await repo.insert_customer(conn, org_id=org_id, values=data.model_dump())
            await emit(conn, CustomerCreated(**_event_data(row)), tenant=org_id, subject=row["id"])
    return row


async def update_customer(
    pool: asyncpg.Pool,
    *,
    org_id: UUID,
    customer_id: UUID,
    data: CustomerUpdate,
    precondition: Precondition,
) -> Record:
    with _unique_email():
        async with tenant_tx(pool, org_id) as conn:
            current = await repo.get_customer(
                conn, org_id=org_id, customer_id=customer_id, for_update=True
            )
            if current is None:
                raise NotFound(NOT_FOUND)
            precondition(row_etag(current))
            changes = {k: v for k, v in data.provided().items() if current[k] != v}
            if not changes:
                return current
            row = await repo.update_customer(
                conn, org_id=org_id, customer_id=customer_id, values=changes
            )
            await emit(conn, CustomerUpdated(**_event_data(row)), tenant=org_id, subject=row["id"])
    return row


async def delete_customer(
    pool: asyncpg.Pool, *, org_id: UUID, customer_id: UUID, precondition: Precondition
) -> None:
    try:
        async with tenant_tx(pool, org_id) as conn:
            current = await repo.get_customer(
                conn, org_id=org_id, customer_id=customer_id, for_update=True
            )
            if current is None:
                raise NotFound(NOT_FOUND)
            precondition(row_etag(current))
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
