"""Input validation: positive two-place money, calendar dates, trimmed bounded categories."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from finance.domain import DEFAULT_CATEGORY, MAX_CATEGORY
from finance.schemas import (
    ExpenseCreate,
    RevenueCreate,
    RevenueQuery,
    RevenueUpdate,
    SummaryQuery,
)
from pydantic import ValidationError
from servelo_common.errors import validation_errors


def _errors(model: Any, data: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return validation_errors(info.value)


def test_revenue_create_defaults_and_trims() -> None:
    entry = RevenueCreate.model_validate(
        {"amount": "150", "date": "2026-01-15", "category": "  Repairs  "}
    )
    assert entry.amount == Decimal("150")
    assert entry.date == date(2026, 1, 15)
    assert entry.category == "Repairs"
    assert entry.status == "received"
    assert entry.description == ""
    assert RevenueCreate.model_validate({"amount": "1"}).category == DEFAULT_CATEGORY


def test_json_number_amount_is_read_through_its_decimal_text() -> None:
    assert ExpenseCreate.model_validate({"amount": 0.1}).amount == Decimal("0.1")


@pytest.mark.parametrize(
    "amount",
    [0, "0.00", "-5", -0.01, "1.001", "NaN", "Infinity", "abc", True, None, "1000000000000.00"],
)
def test_amount_must_be_positive_money(amount: Any) -> None:
    assert "amount" in _errors(RevenueCreate, {"amount": amount})
    assert "amount" in _errors(ExpenseCreate, {"amount": amount})


def test_amount_is_required_on_create() -> None:
    assert _errors(ExpenseCreate, {"date": "2026-01-01"}) == {
        "amount": ["The amount field is required."]
    }


@pytest.mark.parametrize("value", ["2026-02-30", "01/02/2026", 1700000000, None])
def test_date_must_be_a_calendar_date(value: Any) -> None:
    assert "date" in _errors(RevenueCreate, {"amount": "1", "date": value})


def test_category_is_bounded_and_not_blank() -> None:
    assert "category" in _errors(ExpenseCreate, {"amount": "1", "category": "   "})
    assert "category" in _errors(
        ExpenseCreate, {"amount": "1", "category": "x" * (MAX_CATEGORY + 1)}
    )


def test_update_keeps_only_sent_fields_and_refuses_null_amount() -> None:
    assert RevenueUpdate.model_validate({"description": None}).provided() == {"description": ""}
    assert RevenueUpdate.model_validate({"customerId": None}).provided() == {"customer_id": None}
    assert _errors(RevenueUpdate, {"amount": None}) == {"amount": ["Must not be null."]}


def test_filter_refuses_from_after_to_and_blank_values() -> None:
    assert "to" in _errors(RevenueQuery, {"from": "2026-02-01", "to": "2026-01-01"})
    assert "from" in _errors(RevenueQuery, {"from": "yesterday"})
    # A blank value is invalid as the document says (a date, a non-empty category), not
    # silently "no filter".
    assert "to" in _errors(RevenueQuery, {"to": ""})
    assert "category" in _errors(RevenueQuery, {"category": ""})
    wanted = RevenueQuery.model_validate({"from": "2026-01-01", "limit": "5"})
    assert wanted.from_ == date(2026, 1, 1)
    assert wanted.category is None


def test_summary_groups_by_month_or_category_only() -> None:
    assert SummaryQuery.model_validate({}).group_by == "month"
    assert SummaryQuery.model_validate({"group_by": "category"}).group_by == "category"
    assert "group_by" in _errors(SummaryQuery, {"group_by": "week"})
