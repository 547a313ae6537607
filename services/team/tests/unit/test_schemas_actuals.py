"""Actual bodies: the bounds of recorded hours, without I/O."""

from __future__ import annotations

from servelo_common.http import validate
from servelo_dev.testing.validation import field_errors
from team.schemas.actuals import ActualCreate

UUID1 = "550e8400-e29b-41d4-a716-446655440000"


def test_actual_hours_bounds() -> None:
    base = {"team_member_id": UUID1, "project_id": UUID1, "date": "2026-01-05"}
    assert field_errors(ActualCreate, {**base, "hours": 0}) == {
        "hours": ["Hours must be greater than 0"]
    }
    assert field_errors(ActualCreate, {**base, "hours": 25}) == {
        "hours": ["Hours may not be greater than 24"]
    }
    assert validate(ActualCreate, {**base, "hours": 7.5}).hours == 7.5
