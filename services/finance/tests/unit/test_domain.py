"""Pure finance rules: calendar dates, quote -> revenue, currency from settings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest
from finance.domain import (
    QUOTE_CATEGORY,
    check_range,
    currency_from_settings,
    revenue_from_quote,
)


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
        event_time="2026-04-01T00:00:00Z",
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
        event_time="2026-05-02T10:00:00Z",
    )
    assert booked is not None
    assert booked.date == date(2026, 5, 2)
    assert booked.amount == Decimal("5.00")
    assert booked.customer_id is None


def test_quote_with_zero_total_books_nothing() -> None:
    assert (
        revenue_from_quote(
            {"id": str(uuid4()), "number": 1, "total": "0.00"}, event_time="2026-05-02T10:00:00Z"
        )
        is None
    )


def test_quote_with_unreadable_total_is_an_error() -> None:
    with pytest.raises(ValueError, match="total"):
        revenue_from_quote({"id": str(uuid4()), "total": "lots"}, event_time="2026-05-02")
