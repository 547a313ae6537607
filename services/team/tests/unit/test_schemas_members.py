"""Validation messages clients see (the team reference's wording), without I/O."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel
from servelo_common.errors import RequestValidationError
from servelo_common.http import validate
from team.planning_schemas import (
    ActualCreate,
    AllocationCreate,
    AllocationUpdate,
    PlanningFilter,
    ProjectCreate,
)
from team.schemas import DateWindow, TeamMemberCreate, TeamMemberFilter, TeamMemberUpdate

UUID1 = "550e8400-e29b-41d4-a716-446655440000"


def errors(model: type[BaseModel], data: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(RequestValidationError) as caught:
        validate(model, data)
    return caught.value.errors or {}


def test_reference_create_body_is_valid() -> None:
    data = validate(
        TeamMemberCreate,
        {"name": "John Doe", "role_id": 1, "hourly_rate": "150.00", "active": True},
    )
    assert data.model_dump(mode="json") == {
        "name": "John Doe",
        "role_id": 1,
        "hourly_rate": "150.00",
        "active": True,
    }


def test_missing_name_and_zero_rate_give_the_reference_messages() -> None:
    assert errors(TeamMemberCreate, {"role_id": 1, "hourly_rate": "0"}) == {
        "name": ["The name field is required."],
        "hourly_rate": ["Hourly rate must be greater than 0"],
    }


@pytest.mark.parametrize("rate", ["0", "0.00", "-1", -150, 0])
def test_rate_must_be_positive(rate: Any) -> None:
    assert errors(TeamMemberCreate, {"name": "x", "hourly_rate": rate}) == {
        "hourly_rate": ["Hourly rate must be greater than 0"]
    }


def test_update_checks_only_what_was_sent() -> None:
    assert errors(TeamMemberUpdate, {"hourly_rate": "0.00"}) == {
        "hourly_rate": ["Hourly rate must be greater than 0"]
    }
    assert validate(TeamMemberUpdate, {"active": False}).provided() == {"active": False}


def test_update_may_not_null_a_required_field() -> None:
    assert errors(TeamMemberUpdate, {"name": None}) == {"name": ["The name field is required."]}


def test_role_id_is_an_integer() -> None:
    assert "role_id" in errors(TeamMemberCreate, {"name": "x", "hourly_rate": 1, "role_id": "one"})
    assert "role_id" in errors(TeamMemberCreate, {"name": "x", "hourly_rate": 1, "role_id": True})


def test_active_filter_reads_one_and_zero() -> None:
    assert validate(TeamMemberFilter, {"active": "1"}).active is True
    assert validate(TeamMemberFilter, {"active": "0"}).active is False
    assert validate(TeamMemberFilter, {}).active is None


def test_allocation_hours_and_dates() -> None:
    base = {
        "team_member_id": UUID1,
        "project_id": UUID1,
        "start_date": "2026-01-05",
        "end_date": "2026-01-04",
        "hours_per_day": "24.01",
    }
    assert errors(AllocationCreate, base) == {
        "end_date": ["The end date must be a date after or equal to start date."],
        "hours_per_day": ["Hours per day may not be greater than 24"],
    }
    assert errors(AllocationUpdate, {"hours_per_day": 0}) == {
        "hours_per_day": ["Hours per day must be greater than 0"]
    }
    ok = validate(AllocationCreate, {**base, "end_date": "2026-01-05", "hours_per_day": 24})
    assert str(ok.hours_per_day) == "24"


def test_actual_hours_bounds() -> None:
    base = {"team_member_id": UUID1, "project_id": UUID1, "date": "2026-01-05"}
    assert errors(ActualCreate, {**base, "hours": 0}) == {"hours": ["Hours must be greater than 0"]}
    assert errors(ActualCreate, {**base, "hours": 25}) == {
        "hours": ["Hours may not be greater than 24"]
    }
    assert validate(ActualCreate, {**base, "hours": 7.5}).hours == 7.5


def test_project_end_before_start() -> None:
    assert errors(
        ProjectCreate, {"name": "P", "start_date": "2026-02-01", "end_date": "2026-01-31"}
    ) == {"end_date": ["The end date must be a date after or equal to start date."]}


def test_report_window_needs_from_and_to_in_order() -> None:
    assert errors(DateWindow, {}) == {
        "from": ["The from field is required."],
        "to": ["The to field is required."],
    }
    assert errors(DateWindow, {"from": "2026-01-02", "to": "2026-01-01"}) == {
        "to": ["The to date must be a date after or equal to from."]
    }
    assert "to" in errors(DateWindow, {"from": "2000-01-01", "to": "2030-01-01"})
    assert "to" in errors(PlanningFilter, {"from": "2026-01-02", "to": "2026-01-01"})
