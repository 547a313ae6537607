"""Events finance publishes: each carries the entry as it is after the change."""

from __future__ import annotations

from typing import ClassVar

from servelo_common.events import DomainEvent


class RevenueState(DomainEvent):
    id: str
    date: str
    amount: str
    category: str
    description: str
    customer_id: str | None
    quote_id: str | None
    status: str


class RevenueRecorded(RevenueState):
    source: ClassVar[str] = "finance"
    type: ClassVar[str] = "revenue-recorded"


class RevenueUpdated(RevenueState):
    source: ClassVar[str] = "finance"
    type: ClassVar[str] = "revenue-updated"


class EntryDeleted(DomainEvent):
    id: str


class RevenueDeleted(EntryDeleted):
    source: ClassVar[str] = "finance"
    type: ClassVar[str] = "revenue-deleted"


class ExpenseState(DomainEvent):
    id: str
    date: str
    amount: str
    category: str
    description: str
    vendor: str | None


class ExpenseRecorded(ExpenseState):
    source: ClassVar[str] = "finance"
    type: ClassVar[str] = "expense-recorded"


class ExpenseUpdated(ExpenseState):
    source: ClassVar[str] = "finance"
    type: ClassVar[str] = "expense-updated"


class ExpenseDeleted(EntryDeleted):
    source: ClassVar[str] = "finance"
    type: ClassVar[str] = "expense-deleted"
