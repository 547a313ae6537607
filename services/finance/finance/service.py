"""Use cases: each owns its transaction, so an entry and its event commit together.

Revenue and expenses are two ledgers with one set of use cases (`Ledger`): `REVENUE` and
`EXPENSES` differ only in table, wording, events and domain class. Each use case has the
one signature (docs/architecture.md), `REVENUE.create_entry(pool, *, ident, data)`, and
returns domain objects (`Revenue`, `Expense`, `Summary`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

import asyncpg
from servelo_common import replicas
from servelo_common.db import tenant_tx
from servelo_common.errors import NotFound, RequestValidationError, found
from servelo_common.etag import Precondition
from servelo_common.events import DomainEvent, emit
from servelo_common.identity import Identity
from servelo_common.pagination import PageRequest
from servelo_common.schemas import ApiInput
from servelo_common.sql import Row

from finance import events
from finance.domain import Expense, QuoteRevenue, Revenue, Summary, Totals, summarize
from finance.repository import ledgers as repo
from finance.repository import orgs as org_repo
from finance.repository.ledgers import Table
from finance.schemas import SummaryQuery

E = TypeVar("E", Revenue, Expense)


async def _check_customer(
    conn: asyncpg.Connection, org_id: UUID, values: Mapping[str, Any]
) -> None:
    """A revenue entry may only name a (not deleted) customer of the same org."""
    customer_id = values.get("customer_id")
    if customer_id is not None and not await replicas.customer_exists(
        conn, org_id=org_id, customer_id=customer_id
    ):
        raise RequestValidationError({"customer_id": ["No customer with this id."]})


@dataclass(frozen=True)
class Ledger(Generic[E]):
    """What differs between revenue and expenses: table, wording, events, domain class."""

    table: Table
    not_found: str
    recorded: type[DomainEvent]
    updated: type[DomainEvent]
    deleted: type[events.EntryDeleted]
    entry: Callable[[Row], E]
    checks_customer: bool = False

    async def list_entries(
        self, pool: asyncpg.Pool, *, ident: Identity, query: ApiInput, page: PageRequest
    ) -> list[E]:
        filters = dict(query)
        equals = {k: v for k, v in filters.items() if k in repo.FILTERS[self.table]}
        async with tenant_tx(pool, ident.org_id) as conn:
            rows = await repo.list_entries(
                conn,
                table=self.table,
                org_id=ident.org_uuid,
                start=filters.get("from_"),
                end=filters.get("to"),
                equals=equals,
                cursor=page.cursor,
                limit=page.limit,
                since=page.since,
            )
        return [self.entry(r) for r in rows]

    async def create_entry(self, pool: asyncpg.Pool, *, ident: Identity, data: ApiInput) -> E:
        org_id, values = ident.org_uuid, dict(data)
        async with tenant_tx(pool, org_id) as conn:
            if self.checks_customer:
                await _check_customer(conn, org_id, values)
            row = await repo.insert_entry(
                conn,
                table=self.table,
                org_id=org_id,
                entry_id=uuid.uuid4(),
                values={**values, "created_by": ident.user_uuid},
            )
            entry = self.entry(row)
            await emit(conn, self.recorded.of(entry), tenant=org_id, subject=entry.id)
        return entry

    async def get_entry(self, pool: asyncpg.Pool, *, ident: Identity, entry_id: UUID) -> E:
        org_id = ident.org_uuid
        async with tenant_tx(pool, org_id, readonly=True) as conn:
            row = await repo.get_entry(conn, table=self.table, org_id=org_id, entry_id=entry_id)
        return self.entry(found(row, self.not_found))

    async def update_entry(
        self,
        pool: asyncpg.Pool,
        *,
        ident: Identity,
        entry_id: UUID,
        data: ApiInput,
        precondition: Precondition | None = None,
    ) -> E:
        """Apply the fields the client sent; `precondition` sees the current ETag (If-Match)."""
        org_id, changes = ident.org_uuid, data.provided()
        async with tenant_tx(pool, org_id) as conn:
            current = await repo.get_entry(
                conn, table=self.table, org_id=org_id, entry_id=entry_id, for_update=True
            )
            if current is None:
                raise NotFound(self.not_found)
            if precondition is not None:
                precondition(self.entry(current).etag)
            if self.checks_customer and changes.get("customer_id") != current["customer_id"]:
                # Only a changed customer is checked: an entry of a since-deleted customer
                # can still be edited with its customer_id sent back unchanged.
                await _check_customer(conn, org_id, changes)
            row = await repo.update_entry(
                conn, table=self.table, org_id=org_id, entry_id=entry_id, changes=changes
            )
            assert row is not None  # locked above
            entry = self.entry(row)
            await emit(conn, self.updated.of(entry), tenant=org_id, subject=entry_id)
        return entry

    async def delete_entry(self, pool: asyncpg.Pool, *, ident: Identity, entry_id: UUID) -> None:
        org_id = ident.org_uuid
        async with tenant_tx(pool, org_id) as conn:
            if not await repo.delete_entry(
                conn, table=self.table, org_id=org_id, entry_id=entry_id
            ):
                raise NotFound(self.not_found)
            await emit(conn, self.deleted(id=str(entry_id)), tenant=org_id, subject=entry_id)


REVENUE: Ledger[Revenue] = Ledger(
    "revenue",
    "Revenue entry not found",
    events.RevenueRecorded,
    events.RevenueUpdated,
    events.RevenueDeleted,
    Revenue.from_row,
    checks_customer=True,
)
EXPENSES: Ledger[Expense] = Ledger(
    "expenses",
    "Expense not found",
    events.ExpenseRecorded,
    events.ExpenseUpdated,
    events.ExpenseDeleted,
    Expense.from_row,
)


async def book_accepted_quote(
    conn: asyncpg.Connection, *, org_id: UUID, quote: QuoteRevenue
) -> bool:
    """Pending revenue for an accepted quote, once per quote; True when it was booked now.
    Takes the handler's connection: it runs in the consumer's transaction with the inbox."""
    row = await repo.insert_quote_revenue(
        conn,
        org_id=org_id,
        entry_id=uuid.uuid4(),
        values={
            "date": quote.date,
            "amount": quote.amount,
            "category": quote.category,
            "description": quote.description,
            "customer_id": quote.customer_id,
            "quote_id": quote.quote_id,
            "status": quote.status,
        },
    )
    if row is None:
        return False
    entry = Revenue.from_row(row)
    await emit(conn, events.RevenueRecorded.of(entry), tenant=org_id, subject=entry.id)
    return True


async def summarize_ledgers(pool: asyncpg.Pool, *, ident: Identity, query: SummaryQuery) -> Summary:
    """Revenue, pending revenue, expenses and profit per month or category, in org currency."""
    org_id, start, end = ident.org_uuid, query.from_, query.to
    async with tenant_tx(pool, org_id) as conn:
        rows = await repo.summary_rows(
            conn, org_id=org_id, group_by=query.group_by, start=start, end=end
        )
        currency = await org_repo.get_currency(conn, org_id=org_id)
    sums = {r["k"]: Totals(r["revenue"], r["pending_revenue"], r["expenses"]) for r in rows}
    return summarize(sums, group_by=query.group_by, start=start, end=end, currency=currency)
