"""Ticket status transitions and update planning, photos, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from tickets.domain import (
    STATUSES,
    TRANSITIONS,
    InvalidTransition,
    Photo,
    can_transition,
    check_transition,
    plan_update,
)

TICKET = {
    "title": "Leak",
    "description": "",
    "status": "open",
    "priority": "normal",
    "customer_id": None,
    "assignee_id": None,
    "scheduled_at": None,
}


def test_every_status_has_transitions() -> None:
    assert set(TRANSITIONS) == set(STATUSES)


@pytest.mark.parametrize("status", STATUSES)
def test_staying_in_the_same_status_is_allowed(status: str) -> None:
    check_transition(status, status)


@pytest.mark.parametrize("target", ["in_progress", "on_hold", "resolved"])
def test_closed_ticket_cannot_move_except_reopen(target: str) -> None:
    with pytest.raises(InvalidTransition, match="closed ticket cannot become"):
        check_transition("closed", target)


def test_closed_ticket_can_be_reopened_to_open() -> None:
    assert can_transition("closed", "open")


def test_resolved_ticket_can_be_reopened_or_closed_but_not_put_on_hold() -> None:
    assert can_transition("resolved", "open")
    assert can_transition("resolved", "closed")
    assert not can_transition("resolved", "on_hold")


@pytest.mark.parametrize("start", ["open", "in_progress", "on_hold"])
def test_active_tickets_can_be_resolved_and_closed(start: str) -> None:
    assert can_transition(start, "resolved")
    assert can_transition(start, "closed")


def test_plan_update_keeps_only_real_changes() -> None:
    change = plan_update(TICKET, {"title": "Leak", "priority": "high"})
    assert change.changed == {"priority": "high"}
    assert change.previous == {"priority": "normal"}
    assert change.status is None and change.assignee is None


def test_plan_update_reports_status_and_assignee_changes() -> None:
    change = plan_update(TICKET, {"status": "in_progress", "assignee_id": "u1"})
    assert change.status == ("open", "in_progress")
    assert change.assignee == (None, "u1")
    assert change.references == {"assignee_id": "u1"}


def test_plan_update_refuses_invalid_transition() -> None:
    with pytest.raises(InvalidTransition):
        plan_update({**TICKET, "status": "closed"}, {"status": "resolved"})


def test_unassigning_needs_no_reference_check() -> None:
    change = plan_update({**TICKET, "assignee_id": "u1"}, {"assignee_id": None})
    assert change.assignee == ("u1", None)
    assert change.references == {}


def test_nothing_to_change_is_empty() -> None:
    assert plan_update(TICKET, {}).empty


def test_photo_url_and_who_may_delete_it() -> None:
    owner = uuid4()
    photo = Photo.from_row(
        {
            "id": uuid4(),
            "ticket_id": uuid4(),
            "storage_key": "k",
            "content_type": "image/png",
            "size": 3,
            "filename": None,
            "uploaded_by": owner,
            "created_at": datetime.now(UTC),
        }
    )
    assert photo.url == f"/api/tickets/{photo.ticket_id}/photos/{photo.id}"
    assert photo.deletable_by(role="technician", user_id=owner)
    assert not photo.deletable_by(role="technician", user_id=uuid4())
    assert photo.deletable_by(role="manager", user_id=uuid4())
