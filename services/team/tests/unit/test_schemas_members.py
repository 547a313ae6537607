"""Team member bodies and filters: the team reference's wording, without I/O."""

from __future__ import annotations

from typing import Any

import pytest
from servelo_common.http import validate
from servelo_dev.testing.validation import field_errors
from team.schemas.members import TeamMemberCreate, TeamMemberQuery, TeamMemberUpdate


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
    assert field_errors(TeamMemberCreate, {"role_id": 1, "hourly_rate": "0"}) == {
        "name": ["The name field is required."],
        "hourly_rate": ["Hourly rate must be greater than 0"],
    }


@pytest.mark.parametrize("rate", ["0", "0.00", "-1", -150, 0])
def test_rate_must_be_positive(rate: Any) -> None:
    assert field_errors(TeamMemberCreate, {"name": "x", "hourly_rate": rate}) == {
        "hourly_rate": ["Hourly rate must be greater than 0"]
    }


def test_update_checks_only_what_was_sent() -> None:
    assert field_errors(TeamMemberUpdate, {"hourly_rate": "0.00"}) == {
        "hourly_rate": ["Hourly rate must be greater than 0"]
    }
    assert validate(TeamMemberUpdate, {"active": False}).provided() == {"active": False}


def test_update_may_not_null_a_required_field() -> None:
    assert field_errors(TeamMemberUpdate, {"name": None}) == {
        "name": ["The name field is required."]
    }


def test_role_id_is_an_integer() -> None:
    assert "role_id" in field_errors(
        TeamMemberCreate, {"name": "x", "hourly_rate": 1, "role_id": "one"}
    )
    assert "role_id" in field_errors(
        TeamMemberCreate, {"name": "x", "hourly_rate": 1, "role_id": True}
    )


def test_active_filter_reads_one_and_zero() -> None:
    assert validate(TeamMemberQuery, {"active": "1"}).active is True
    assert validate(TeamMemberQuery, {"active": "0"}).active is False
    assert validate(TeamMemberQuery, {}).active is None
