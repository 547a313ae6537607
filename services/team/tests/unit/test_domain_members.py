"""The member delete guard and a member's role, without I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from team.domain.members import ACTIVE_ALLOCATIONS, HISTORICAL_DATA, Member, delete_refusal
from team.domain.roles import Role


def test_current_or_future_allocation_blocks_delete_as_active() -> None:
    today = date(2026, 3, 1)
    for end in (today, date(2026, 12, 31)):
        assert (
            delete_refusal(today=today, last_allocation_end=end, has_actuals=True)
            == ACTIVE_ALLOCATIONS
        )


def test_past_allocation_or_actual_blocks_delete_as_history() -> None:
    today = date(2026, 3, 1)
    assert (
        delete_refusal(today=today, last_allocation_end=date(2026, 2, 28), has_actuals=False)
        == HISTORICAL_DATA
    )
    assert (
        delete_refusal(today=today, last_allocation_end=None, has_actuals=True) == HISTORICAL_DATA
    )


def test_member_without_allocations_or_actuals_may_be_deleted() -> None:
    assert (
        delete_refusal(today=date(2026, 3, 1), last_allocation_end=None, has_actuals=False) is None
    )


def test_reference_messages_are_exact() -> None:
    assert ACTIVE_ALLOCATIONS == "Cannot delete team member with active allocations"
    assert HISTORICAL_DATA == "Cannot delete team member with historical data"


def _row(**fields: Any) -> dict[str, Any]:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return {
        "id": uuid4(),
        "name": "John Doe",
        "role_id": None,
        "role_name": None,
        "hourly_rate": Decimal("150.00"),
        "active": True,
        "created_at": now,
        "updated_at": now,
        **fields,
    }


def test_member_with_a_role_embeds_it() -> None:
    member = Member.from_row(_row(role_id=1, role_name="Backend Developer"))
    assert member.role == Role(id=1, name="Backend Developer")
    assert member.role_id == 1


def test_member_without_a_role_has_none() -> None:
    member = Member.from_row(_row())
    assert member.role is None and member.role_id is None
