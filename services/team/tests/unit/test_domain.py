"""What every resource's domain shares: periods and building objects from rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from servelo_common.sql import FromRow
from team.domain import END_BEFORE_START, MAX_RANGE_DAYS, check_span, span_days

JAN = [date(2026, 1, d) for d in range(1, 32)]


def test_span_counts_both_ends() -> None:
    assert span_days(JAN[0], JAN[0]) == 1
    assert span_days(JAN[0], JAN[30]) == 31


def test_a_period_ends_on_or_after_its_start_and_is_bounded() -> None:
    check_span(JAN[0], JAN[0])
    check_span(None, JAN[0])
    check_span(JAN[0], None)
    with pytest.raises(ValueError, match=END_BEFORE_START):
        check_span(JAN[1], JAN[0])
    check_span(JAN[0], JAN[0] + timedelta(days=MAX_RANGE_DAYS - 1))
    with pytest.raises(ValueError, match="at most 3660 days"):
        check_span(JAN[0], JAN[0] + timedelta(days=MAX_RANGE_DAYS))


@dataclass(frozen=True, slots=True)
class _Thing(FromRow):
    id: int
    name: str


def test_from_row_reads_the_fields_by_column_name() -> None:
    assert _Thing.from_row({"name": "x", "id": 7, "org_id": "ignored"}) == _Thing(7, "x")
