"""Use cases: each owns its transaction, so an entry and its event commit together."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
from servelo_common.db import tenant_tx
from servelo_common.errors import NotFound, RequestValidationError
from servelo_common.events import DomainEvent, emit
from servelo_common.jsonutil import money_str

from finance import events, replicas
from finance import repository as repo
from finance.domain import GroupBy, QuoteRevenue, Totals, fill_months, period_label, total_of
from finance.repository import Table

Guard = Callable[[asyncpg.Record], None]


def _revenue_state(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "date": row["date"].isoformat(),
        "amount": money_str(row["amount"]),
        "category": row["category"],
        "description": row["description"],
        "customer_id": str(row["customer_id"]) if row["customer_id"] else None,
        "quote_id": str(row["quote_id"]) if row["quote_id"] else None,
        "status": row["status"],
    }


def _expense_state(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "date": row["date"].isoformat(),
        "amount": money_str(row["amount"]),
        "category": row["category"],
        "description": row["description"],
        "vendor": row["vendor"],
    }


@dataclass(frozen=True)
class Ledger:
    """What differs between revenue and expenses: table, wording, events."""

    table: Table
    not_found: str
    recorded: type[DomainEvent]
    updated: type[DomainEvent]
    deleted: type[events.EntryDeleted]
    state: Callable[[asyncpg.Record], dict[str, Any]]


REVENUE = Ledger(
    "revenue",
    "Revenue entry not found",
    events.RevenueRecorded,
    events.RevenueUpdated,
    events.RevenueDeleted,
    _revenue_state,
)
EXPENSES = Ledger(
    "expenses",
    "Expense not found",
    events.ExpenseRecorded,
    events.ExpenseUpdated,
    events.ExpenseDeleted,
    _expense_state,
)


async def _check_customer(
    conn: asyncpg.Connection, org_id: UUID, values: Mapping[str, Any]
) -> None:
    """A revenue entry may only name a (not deleted) customer of the same org."""
    customer_id = values.get("customer_id")
    if customer_id is not None and not await replicas.customer_exists(
        conn, org_id=org_id, customer_id=customer_id
    ):
        raise RequestValidationError({"customer_id": ["No customer with this id."]})


async def create_entry(
    pool: asyncpg.Pool,
    ledger: Ledger,
    *,
    org_id: UUID,
    user_id: UUID | None,
    values: Mapping[str, Any],
) -> asyncpg.Record:
    async with tenant_tx(pool, org_id) as conn:
        if ledger is REVENUE:
            await _check_customer(conn, org_id, values)
        row = await repo.insert_entry(
            conn,
            table=ledger.table,
            org_id=org_id,
            entry_id=uuid.uuid4(),
            values={**values, "created_by": user_id},
        )
        await emit(conn, ledger.recorded(**ledger.state(row)), tenant=org_id, subject=row["id"])
    return row


async def get_entry(
    pool: asyncpg.Pool, ledger: Ledger, *, org_id: UUID, entry_id: UUID
) -> asyncpg.Record:
    async with tenant_tx(pool, org_id) as conn:
        row = await repo.get_entry(conn, table=ledger.table, org_id=org_id, entry_id=entry_id)
    if row is None:
        raise NotFound(ledger.not_found)
    return row


async def update_entry(
    pool: asyncpg.Pool,
    ledger: Ledger,
    *,
    org_id: UUID,
    entry_id: UUID,
    changes: Mapping[str, Any],
    guard: Guard,
) -> asyncpg.Record:
    """Apply the fields the client sent; `guard` sees the current row (If-Match)."""
    async with tenant_tx(pool, org_id) as conn:
        current = await repo.get_entry(
            conn, table=ledger.table, org_id=org_id, entry_id=entry_id, for_update=True
        )
        if current is None:
            raise NotFound(ledger.not_found)
        guard(current)
        if ledger is REVENUE and changes.get("customer_id") != current["customer_id"]:
            # Only a changed customer is checked: an entry of a since-deleted customer
            # can still be edited with its customer_id sent back unchanged.
            await _check_customer(conn, org_id, changes)
        row = await repo.update_entry(
            conn, table=ledger.table, org_id=org_id, entry_id=entry_id, changes=changes
        )
        assert row is not None  # locked above
        await emit(conn, ledger.updated(**ledger.state(row)), tenant=org_id, subject=entry_id)
    return row


async def delete_entry(pool: asyncpg.Pool, ledger: Ledger, *, org_id: UUID, entry_id: UUID) -> None:
    async with tenant_tx(pool, org_id) as conn:
        if not await repo.delete_entry(conn, table=ledger.table, org_id=org_id, entry_id=entry_id):
            raise NotFound(ledger.not_found)
        await emit(conn, ledger.deleted(id=str(entry_id)), tenant=org_id, subject=entry_id)


async def list_entries(
    pool: asyncpg.Pool,
    ledger: Ledger,
    *,
    org_id: UUID,
    filters: Mapping[str, Any],
    cursor: list[Any] | None,
    limit: int,
) -> list[asyncpg.Record]:
    equals = {k: v for k, v in filters.items() if k in repo.FILTERS[ledger.table]}
    async with tenant_tx(pool, org_id) as conn:
        return await repo.list_entries(
            conn,
            table=ledger.table,
            org_id=org_id,
            start=filters.get("from_"),
            end=filters.get("to"),
            equals=equals,
            cursor=cursor,
            limit=limit,
        )


async def book_accepted_quote(
    conn: asyncpg.Connection, *, org_id: UUID, quote: QuoteRevenue
) -> bool:
    """Pending revenue for an accepted quote, once per quote; True when it was booked now."""
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
    await emit(
        conn, events.RevenueRecorded(**_revenue_state(row)), tenant=org_id, subject=row["id"]
    )
    return True


async def summary(
    pool: asyncpg.Pool, *, org_id: UUID, group_by: GroupBy, start: date | None, end: date | None
) -> dict[str, Any]:
    """Revenue, pending revenue, expenses and profit per month or category, in org currency."""
    async with tenant_tx(pool, org_id) as conn:
        rows = await repo.summary_rows(conn, org_id=org_id, group_by=group_by, start=start, end=end)
        currency = await replicas.get_currency(conn, org_id=org_id)
    sums = {r["k"]: Totals(r["revenue"], r["pending_revenue"], r["expenses"]) for r in rows}
    groups: list[dict[str, Any]] = []
    if group_by == "month":
        for month, t in fill_months(sums, start, end):
            groups.append({"period": period_label(month), **_amounts(t)})
    else:
        groups = [{"category": k, **_amounts(t)} for k, t in sums.items()]
    return {
        "currency": currency,
        "from": start,
        "to": end,
        "group_by": group_by,
        "groups": groups,
        "totals": _amounts(total_of(sums.values())),
    }


def _amounts(t: Totals) -> dict[str, Decimal]:
    return {
        "revenue": t.revenue,
        "pending_revenue": t.pending_revenue,
        "expenses": t.expenses,
        "profit": t.profit,
    }
