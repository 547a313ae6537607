"""Summary period math: months of a range, empty months filled, totals and profit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from finance.domain import (
    MAX_FILLED_MONTHS,
    Totals,
    fill_months,
    month_count,
    months_between,
    period_label,
    total_of,
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
