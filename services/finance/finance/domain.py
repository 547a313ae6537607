"""Finance rules with no I/O: revenue and expense entries, calendar dates, categories,
quote -> revenue, summary periods."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from uuid import UUID

from servelo_common.etag import etag_for
from servelo_common.sql import FromRow

MAX_CATEGORY = 100
DEFAULT_CATEGORY = "Uncategorized"
QUOTE_CATEGORY = "Quotes"
DEFAULT_CURRENCY = "USD"
# Monthly summaries list every month of the range, empty ones included, up to this many;
# a longer range lists only the months that have entries (keeps the response bounded).
MAX_FILLED_MONTHS = 1200
ZERO = Decimal("0.00")

GroupBy = Literal["month", "category"]
RevenueStatus = Literal["pending", "received"]

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def check_range(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and start > end:
        raise ValueError("`from` must not be after `to`.")


def currency_from_settings(data: Mapping[str, Any]) -> str | None:
    """The ISO 4217 code in auth's `settings-updated` data; None when absent or malformed.

    Accepts the settings at the top level (`{"currency": ...}`) or nested the way auth
    sends them (`{"org_id": ..., "settings": {"currency": ...}}`)."""
    nested = data.get("settings")
    value = nested.get("currency") if isinstance(nested, Mapping) else data.get("currency")
    if isinstance(value, str) and _CURRENCY.match(value.strip().upper()):
        return value.strip().upper()
    return None


@dataclass(frozen=True, slots=True)
class Revenue(FromRow):
    id: UUID
    date: date
    amount: Decimal
    category: str
    description: str
    customer_id: UUID | None
    quote_id: UUID | None
    status: RevenueStatus
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime

    @property
    def etag(self) -> str:
        return etag_for(self.id, self.updated_at)


@dataclass(frozen=True, slots=True)
class Expense(FromRow):
    id: UUID
    date: date
    amount: Decimal
    category: str
    description: str
    vendor: str | None
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime

    @property
    def etag(self) -> str:
        return etag_for(self.id, self.updated_at)


Entry = Revenue | Expense


@dataclass(frozen=True, slots=True)
class QuoteRevenue:
    """The pending revenue entry an accepted quote books."""

    quote_id: UUID
    customer_id: UUID | None
    amount: Decimal
    date: date
    description: str
    category: str = QUOTE_CATEGORY
    status: RevenueStatus = "pending"


def revenue_from_quote(data: Mapping[str, Any], *, event_time: datetime) -> QuoteRevenue | None:
    """Map crm's `quote-accepted` data; None when there is nothing to book (total <= 0).
    `event_time` (the event's `occurred_at`) stands in for a missing `accepted_at`."""
    try:
        amount = Decimal(str(data["total"])).quantize(Decimal("0.01"))
    except (KeyError, InvalidOperation) as exc:
        raise ValueError(f"quote-accepted without a valid total: {data.get('total')!r}") from exc
    if amount <= 0:
        return None
    raw = data.get("accepted_at")
    accepted = datetime.fromisoformat(str(raw).replace("Z", "+00:00")) if raw else event_time
    customer = data.get("customer_id")
    number = data.get("number")
    return QuoteRevenue(
        quote_id=UUID(str(data["id"])),
        customer_id=UUID(str(customer)) if customer else None,
        amount=amount,
        # The calendar date of the acceptance in UTC (orgs have no time zone setting).
        date=accepted.date(),
        description=f"Quote #{number}" if number is not None else "Accepted quote",
    )


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_between(first: date, last: date) -> list[date]:
    """First days of every month from `first`'s month to `last`'s, inclusive."""
    months: list[date] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_count(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


@dataclass(frozen=True, slots=True)
class Totals:
    revenue: Decimal = ZERO
    pending_revenue: Decimal = ZERO
    expenses: Decimal = ZERO

    @property
    def profit(self) -> Decimal:
        return self.revenue - self.expenses

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.revenue + other.revenue,
            self.pending_revenue + other.pending_revenue,
            self.expenses + other.expenses,
        )


def fill_months(
    groups: Mapping[date, Totals], start: date | None, end: date | None
) -> list[tuple[date, Totals]]:
    """Every month of the range (bounded by the data where `from`/`to` are open) in order."""
    if not groups and (start is None or end is None):
        return []
    first = month_start(start) if start else min(groups)
    last = month_start(end) if end else max(groups)
    if first > last or month_count(first, last) > MAX_FILLED_MONTHS:
        return sorted(groups.items())
    return [(m, groups.get(m, Totals())) for m in months_between(first, last)]


def total_of(groups: Iterable[Totals]) -> Totals:
    return sum(groups, Totals())


def period_label(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


@dataclass(frozen=True, slots=True)
class Group:
    """One line of the summary: a month (`period`) or a `category`, and its sums."""

    totals: Totals
    period: str | None = None
    category: str | None = None

    @property
    def revenue(self) -> Decimal:
        return self.totals.revenue

    @property
    def pending_revenue(self) -> Decimal:
        return self.totals.pending_revenue

    @property
    def expenses(self) -> Decimal:
        return self.totals.expenses

    @property
    def profit(self) -> Decimal:
        return self.totals.profit


@dataclass(frozen=True, slots=True)
class Summary:
    currency: str
    from_: date | None
    to: date | None
    group_by: GroupBy
    groups: tuple[Group, ...]
    totals: Totals


def summarize(
    sums: Mapping[Any, Totals],
    *,
    group_by: GroupBy,
    start: date | None,
    end: date | None,
    currency: str,
) -> Summary:
    """The summary of per-month (or per-category) sums: every month of the range listed."""
    if group_by == "month":
        groups = tuple(
            Group(t, period=period_label(month)) for month, t in fill_months(sums, start, end)
        )
    else:
        groups = tuple(Group(t, category=k) for k, t in sums.items())
    return Summary(
        currency=currency,
        from_=start,
        to=end,
        group_by=group_by,
        groups=groups,
        totals=total_of(sums.values()),
    )
