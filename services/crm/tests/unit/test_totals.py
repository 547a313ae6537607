"""Quote arithmetic: decimal, half-up to the cent, lines rounded one by one."""

from decimal import Decimal

import pytest
from crm.totals import AmountTooLarge, Line, compute_totals, plain_decimal, round_cents

D = Decimal


def line(quantity: str, unit_price: str) -> Line:
    return Line("item", D(quantity), D(unit_price))


def test_point_one_times_three_is_exactly_point_three() -> None:
    totals = compute_totals([line("3", "0.10")], D("0"))
    assert totals.subtotal == D("0.30")
    assert str(totals.total) == "0.30"


def test_tenth_of_a_unit_three_times_sums_exactly() -> None:
    totals = compute_totals([line("0.1", "1.00")] * 3, D("0"))
    assert totals.subtotal == D("0.30")


def test_half_a_cent_rounds_up() -> None:
    assert round_cents(D("0.005")) == D("0.01")
    assert round_cents(D("2.675")) == D("2.68")  # 2.67 with binary floats
    assert round_cents(D("1.004999")) == D("1.00")


def test_line_totals_are_rounded_before_summing() -> None:
    # 0.333 x 1.00 = 0.333 -> 0.33 per line; three lines 0.99, not round(0.999) = 1.00.
    totals = compute_totals([line("0.333", "1.00")] * 3, D("0"))
    assert totals.subtotal == D("0.99")


def test_tax_of_33_33_percent_rounds_half_up() -> None:
    totals = compute_totals([line("1", "10.00")], D("33.33"))
    assert (totals.subtotal, totals.tax, totals.total) == (D("10.00"), D("3.33"), D("13.33"))


def test_tax_at_exactly_half_a_cent_rounds_up() -> None:
    # 0.10 x 5% = 0.005 -> 0.01
    totals = compute_totals([line("1", "0.10")], D("5"))
    assert (totals.tax, totals.total) == (D("0.01"), D("0.11"))


def test_tax_rate_with_fractional_percent() -> None:
    # 19.99 x 8.25% = 1.649175 -> 1.65
    totals = compute_totals([line("1", "19.99")], D("8.25"))
    assert (totals.tax, totals.total) == (D("1.65"), D("21.64"))


def test_line_at_half_a_cent_rounds_up() -> None:
    # 1.5 x 0.33 = 0.495 -> 0.50
    assert line("1.5", "0.33").total == D("0.50")


def test_no_lines_total_zero() -> None:
    totals = compute_totals([], D("8.25"))
    assert (totals.subtotal, totals.tax, totals.total) == (D("0.00"), D("0.00"), D("0.00"))
    assert str(totals.total) == "0.00"


def test_large_exact_amounts_keep_every_cent() -> None:
    totals = compute_totals([line("9999.9999", "99999999.99")], D("0"))
    assert totals.subtotal == D("999999989900.00")  # 999999989900.000001 exactly


def test_total_beyond_the_money_column_is_refused() -> None:
    with pytest.raises(AmountTooLarge):
        compute_totals([line("100000", "99999999.99")], D("0"))


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (D("8.2500"), 2, "8.25"),
        (D("0"), 2, "0.00"),
        (D("8.875"), 2, "8.875"),
        (D("100.0000"), 2, "100.00"),
        (D("3"), 0, "3"),
        (D("0.1000"), 0, "0.1"),
        (D("1E+3"), 0, "1000"),
    ],
)
def test_plain_decimal(value: Decimal, places: int, text: str) -> None:
    assert plain_decimal(value, min_places=places) == text
