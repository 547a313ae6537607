"""A member's utilization report from its per-day rows, without I/O."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

from team.domain.utilization import Utilization, UtilizationDay

D = Decimal
START, END = date(2026, 1, 1), date(2026, 1, 31)


def _day(day: int, allocated: str, actual: str, rate: str) -> dict[str, Any]:
    return {
        "date": date(2026, 1, day),
        "allocated_hours": D(allocated),
        "actual_hours": D(actual),
        "hourly_rate": D(rate),
        "allocated_cost": D(allocated) * D(rate),
        "actual_cost": D(actual) * D(rate),
        "total_allocated_hours": D("16"),
        "total_actual_hours": D("8.5"),
        "total_allocated_cost": D("2400.00"),
        "total_actual_cost": D("1100.00"),
    }


def test_totals_come_from_the_rows_and_utilization_is_a_percentage() -> None:
    member = uuid4()
    rows = [_day(1, "8", "6", "100"), _day(2, "8", "2.5", "200")]
    report = Utilization.from_rows(rows, team_member_id=member, start=START, end=END)
    assert (report.team_member_id, report.start, report.end) == (member, START, END)
    assert (report.allocated_hours, report.actual_hours) == (D("16"), D("8.5"))
    assert (report.allocated_cost, report.actual_cost) == (D("2400.00"), D("1100.00"))
    assert report.utilization == D("53.125")
    assert report.days[1] == UtilizationDay(
        date(2026, 1, 2), D("8"), D("2.5"), D("200"), D("1600"), D("500.0")
    )


def test_nothing_allocated_has_zero_totals_and_no_utilization() -> None:
    report = Utilization.from_rows([], team_member_id=uuid4(), start=START, end=END)
    assert report.allocated_hours == report.actual_cost == 0
    assert report.days == () and report.utilization is None
