"""Allocation bodies: hours per day and their dates, without I/O."""

from __future__ import annotations

from servelo_common.http import validate
from servelo_dev.testing.validation import field_errors
from team.schemas.allocations import AllocationCreate, AllocationUpdate

UUID1 = "550e8400-e29b-41d4-a716-446655440000"


def test_allocation_hours_and_dates() -> None:
    base = {
        "team_member_id": UUID1,
        "project_id": UUID1,
        "start_date": "2026-01-05",
        "end_date": "2026-01-04",
        "hours_per_day": "24.01",
    }
    assert field_errors(AllocationCreate, base) == {
        "end_date": ["The end date must be a date after or equal to start date."],
        "hours_per_day": ["Hours per day may not be greater than 24"],
    }
    assert field_errors(AllocationUpdate, {"hours_per_day": 0}) == {
        "hours_per_day": ["Hours per day must be greater than 0"]
    }
    ok = validate(AllocationCreate, {**base, "end_date": "2026-01-05", "hours_per_day": 24})
    assert str(ok.hours_per_day) == "24"
