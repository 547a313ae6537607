"""Pure finance rules: entries, calendar dates, quote -> revenue, currency from settings;
summary period math: months of a range, empty months filled, totals and profit."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from finance.domain import (
    MAX_FILLED_MONTHS,
    QUOTE_CATEGORY,
    Expense,
    Revenue,
    Totals,
    check_range,
    currency_from_settings,
    fill_months,
    month_count,
    months_between,
    period_label,
    revenue_from_quote,
    summarize,
    total_of,
)
from servelo_common.etag import etag_for


def test_range_refuses_from_after_to() -> None:
    check_range(date(2026, 1, 1), date(2026, 1, 1))
    check_range(None, date(2026, 1, 1))
    with pytest.raises(ValueError, match="from"):
        check_range(date(2026, 1, 2), date(2026, 1, 1))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"currency": "EUR", "default_tax_rate": "8.25"}, "EUR"),
        ({"currency": " gbp "}, "GBP"),
        ({"currency": "EURO"}, None),
        ({"currency": 978}, None),
        ({"default_tax_rate": "8.25"}, None),
        ({"org_id": "x", "settings": {"currency": "CHF", "timezone": "UTC"}}, "CHF"),
        ({"org_id": "x", "settings": {"company_name": "Acme"}}, None),
    ],
)
def test_currency_from_settings(data: dict[str, object], expected: str | None) -> None:
    assert currency_from_settings(data) == expected


def test_accepted_quote_becomes_pending_revenue_on_the_accepted_date() -> None:
    quote_id, customer_id = uuid4(), uuid4()
    booked = revenue_from_quote(
        {
            "id": str(quote_id),
            "number": 42,
            "customer_id": str(customer_id),
            "subtotal": "100.00",
            "tax": "8.25",
            "total": "108.25",
            "accepted_at": "2026-03-31T23:30:00.000000Z",
        },
        event_time=datetime(2026, 4, 1, tzinfo=UTC),
    )
    assert booked is not None
    assert booked.quote_id == quote_id
    assert booked.customer_id == customer_id
    assert booked.amount == Decimal("108.25")
    assert booked.date == date(2026, 3, 31)
    assert booked.description == "Quote #42"
    assert booked.category == QUOTE_CATEGORY
    assert booked.status == "pending"


def test_quote_without_accepted_at_uses_the_event_time() -> None:
    booked = revenue_from_quote(
        {"id": str(uuid4()), "number": 1, "customer_id": None, "total": "5"},
        event_time=datetime(2026, 5, 2, 10, tzinfo=UTC),
    )
    assert booked is not None
    assert booked.date == date(2026, 5, 2)
    assert booked.amount == Decimal("5.00")
    assert booked.customer_id is None


def test_quote_with_zero_total_books_nothing() -> None:
    assert (
        revenue_from_quote(
            {"id": str(uuid4()), "number": 1, "total": "0.00"},
            event_time=datetime(2026, 5, 2, 10, tzinfo=UTC),
        )
        is None
    )


def test_quote_with_unreadable_total_is_an_error() -> None:
    with pytest.raises(ValueError, match="total"):
        revenue_from_quote(
            {"id": str(uuid4()), "total": "lots"}, event_time=datetime(2026, 5, 2, tzinfo=UTC)
        )


def test_months_between_crosses_year_end() -> None:
    assert months_between(date(2025, 11, 15), date(2026, 2, 1)) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


def test_months_between_same_month_is_one_month() -> None:
    assert months_between(date(2026, 3, 31), date(2026, 3, 1)) == [date(2026, 3, 1)]
    assert month_count(date(2026, 3, 31), date(2026, 3, 1)) == 1
    assert month_count(date(2025, 1, 1), date(2026, 12, 31)) == 24


def test_period_label_is_year_dash_month() -> None:
    assert period_label(date(2026, 1, 1)) == "2026-01"
    assert period_label(date(987, 12, 1)) == "0987-12"


def test_fill_months_lists_every_month_of_the_range_with_zeros() -> None:
    march = Totals(Decimal("10.00"), Decimal("0.00"), Decimal("4.00"))
    filled = fill_months({date(2026, 3, 1): march}, date(2026, 1, 10), date(2026, 4, 2))
    assert [m for m, _ in filled] == [date(2026, m, 1) for m in (1, 2, 3, 4)]
    assert filled[0][1] == Totals()
    assert filled[2][1] == march


def test_fill_months_with_open_bounds_uses_the_data() -> None:
    jan = Totals(Decimal("1.00"))
    apr = Totals(Decimal("2.00"))
    filled = fill_months({date(2026, 4, 1): apr, date(2026, 1, 1): jan}, None, None)
    assert [m for m, _ in filled] == [date(2026, m, 1) for m in (1, 2, 3, 4)]
    assert fill_months({}, None, date(2026, 1, 1)) == []


def test_fill_months_does_not_explode_on_a_huge_range() -> None:
    one = {date(2026, 1, 1): Totals(Decimal("1.00"))}
    filled = fill_months(one, date(1, 1, 1), date(9999, 12, 31))
    assert filled == sorted(one.items())
    assert month_count(date(1, 1, 1), date(9999, 12, 31)) > MAX_FILLED_MONTHS


def test_totals_add_up_exactly_and_profit_ignores_pending_revenue() -> None:
    groups = [
        Totals(Decimal("0.10"), Decimal("5.00"), Decimal("0.20")),
        Totals(Decimal("0.20"), Decimal("0.00"), Decimal("0.05")),
    ]
    total = total_of(groups)
    assert total == Totals(Decimal("0.30"), Decimal("5.00"), Decimal("0.25"))
    assert total.profit == Decimal("0.05")
    assert Totals(Decimal("1.00"), Decimal("0"), Decimal("3.00")).profit == Decimal("-2.00")


NOW = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)


def test_entries_from_rows_carry_an_etag_of_their_last_update() -> None:
    row = {
        "id": uuid4(),
        "org_id": uuid4(),
        "date": date(2026, 1, 2),
        "amount": Decimal("9.50"),
        "category": "Fuel",
        "description": "",
        "vendor": None,
        "created_by": None,
        "created_at": NOW,
        "updated_at": NOW,
    }
    expense = Expense.from_row(row)
    assert (expense.amount, expense.etag) == (Decimal("9.50"), etag_for(row["id"], NOW))
    revenue = Revenue.from_row({**row, "customer_id": None, "quote_id": None, "status": "pending"})
    assert revenue.status == "pending" and revenue.etag == expense.etag


def test_summary_by_month_lists_labelled_months_and_totals() -> None:
    jan = Totals(Decimal("10.00"), Decimal("0.00"), Decimal("4.00"))
    s = summarize(
        {date(2026, 1, 1): jan},
        group_by="month",
        start=date(2026, 1, 1),
        end=date(2026, 2, 28),
        currency="EUR",
    )
    assert [(g.period, g.category, g.profit) for g in s.groups] == [
        ("2026-01", None, Decimal("6.00")),
        ("2026-02", None, Decimal("0.00")),
    ]
    assert (s.currency, s.from_, s.totals) == ("EUR", date(2026, 1, 1), jan)
    by_category = summarize({"Fuel": jan}, group_by="category", start=None, end=None, currency="X")
    assert [(g.period, g.category, g.revenue) for g in by_category.groups] == [
        (None, "Fuel", Decimal("10.00"))
    ]
