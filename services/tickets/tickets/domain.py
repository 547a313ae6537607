"""Tickets, their comments and photos; a ticket's lifecycle: which status changes are
allowed and what an update changes. No I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args
from uuid import UUID

from servelo_common.etag import etag_for
from servelo_common.sql import FromRow, Row

Status = Literal["open", "in_progress", "on_hold", "resolved", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]
STATUSES: tuple[str, ...] = get_args(Status)
PRIORITIES: tuple[str, ...] = get_args(Priority)
# Work is still expected on these; a deactivated assignee is removed from them.
ACTIVE_STATUSES: tuple[str, ...] = ("open", "in_progress", "on_hold")

# Work moves freely between the active states and to resolved/closed. A resolved ticket
# may be reopened (open / in_progress) or closed. A closed ticket is final except for
# being reopened to `open`, so it goes through triage again.
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"in_progress", "on_hold", "resolved", "closed"}),
    "in_progress": frozenset({"open", "on_hold", "resolved", "closed"}),
    "on_hold": frozenset({"open", "in_progress", "resolved", "closed"}),
    "resolved": frozenset({"open", "in_progress", "closed"}),
    "closed": frozenset({"open"}),
}

# Fields a client may change with PUT.
EDITABLE = (
    "title",
    "description",
    "status",
    "priority",
    "customer_id",
    "assignee_id",
    "scheduled_at",
)


class InvalidTransition(ValueError):
    def __init__(self, current: str, target: str) -> None:
        allowed = ", ".join(sorted(TRANSITIONS.get(current, ()))) or "none"
        super().__init__(f"A {current} ticket cannot become {target} (allowed: {allowed}).")
        self.current, self.target = current, target


def can_transition(current: str, target: str) -> bool:
    return current == target or target in TRANSITIONS.get(current, frozenset())


def check_transition(current: str, target: str) -> None:
    """Raise InvalidTransition unless `current -> target` is allowed (staying put is)."""
    if not can_transition(current, target):
        raise InvalidTransition(current, target)


@dataclass(frozen=True)
class TicketChange:
    """What an update really changes, and so which events it produces."""

    changed: dict[str, Any] = field(default_factory=dict)
    previous: dict[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.changed

    @property
    def status(self) -> tuple[str, str] | None:
        if "status" not in self.changed:
            return None
        return self.previous["status"], self.changed["status"]

    @property
    def assignee(self) -> tuple[Any, Any] | None:
        if "assignee_id" not in self.changed:
            return None
        return self.previous["assignee_id"], self.changed["assignee_id"]

    @property
    def references(self) -> dict[str, Any]:
        """New non-null customer/assignee ids: they must exist in the org."""
        return {
            k: v
            for k, v in self.changed.items()
            if k in ("customer_id", "assignee_id") and v is not None
        }


def plan_update(current: Row, updates: Mapping[str, Any]) -> TicketChange:
    """Compare the requested values with the ticket; validate the status transition."""
    changed: dict[str, Any] = {}
    previous: dict[str, Any] = {}
    for name in EDITABLE:
        if name in updates and updates[name] != current[name]:
            changed[name] = updates[name]
            previous[name] = current[name]
    if "status" in changed:
        check_transition(current["status"], changed["status"])
    return TicketChange(changed=changed, previous=previous)


@dataclass(frozen=True, slots=True)
class Ticket(FromRow):
    id: UUID
    number: int
    title: str
    description: str
    status: Status
    priority: Priority
    customer_id: UUID | None
    assignee_id: UUID | None
    scheduled_at: datetime | None
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None

    @property
    def etag(self) -> str:
        return etag_for(self.id, self.updated_at)

    @property
    def trashed(self) -> bool:
        return self.deleted_at is not None


@dataclass(frozen=True, slots=True)
class Comment(FromRow):
    id: UUID
    ticket_id: UUID
    author_id: UUID
    body: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Photo(FromRow):
    id: UUID
    ticket_id: UUID
    storage_key: str
    content_type: str
    size: int
    filename: str | None
    uploaded_by: UUID | None
    created_at: datetime

    @property
    def url(self) -> str:
        """Where the API serves the file (to users of the org only)."""
        return f"/api/tickets/{self.ticket_id}/photos/{self.id}"

    def deletable_by(self, *, role: str | None, user_id: UUID | None) -> bool:
        """Admins and managers delete any photo; a technician only the ones they uploaded."""
        return role != "technician" or (user_id is not None and user_id == self.uploaded_by)
