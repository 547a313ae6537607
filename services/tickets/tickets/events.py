"""Events the tickets service publishes (CloudEvents `servelo/tickets`, through the outbox)."""

from __future__ import annotations

from typing import Any, ClassVar

from servelo_common.events import DomainEvent


class _TicketEvent(DomainEvent):
    source: ClassVar[str] = "tickets"
    id: str
    number: int


class TicketCreated(_TicketEvent):
    type: ClassVar[str] = "ticket-created"
    title: str
    status: str
    priority: str
    customer_id: str | None
    assignee_id: str | None
    scheduled_at: str | None
    created_by: str | None
    created_at: str


class TicketUpdated(_TicketEvent):
    """`changes`: field -> new value; `previous`: field -> old value (JSON forms)."""

    type: ClassVar[str] = "ticket-updated"
    changes: dict[str, Any]
    previous: dict[str, Any]
    updated_by: str | None


class TicketStatusChanged(_TicketEvent):
    type: ClassVar[str] = "ticket-status-changed"
    from_status: str
    to_status: str
    changed_by: str | None


class TicketAssigned(_TicketEvent):
    """`assignee_id` null: unassigned (also when the assignee was deactivated)."""

    type: ClassVar[str] = "ticket-assigned"
    assignee_id: str | None
    previous_assignee_id: str | None
    assigned_by: str | None


class TicketTrashed(_TicketEvent):
    type: ClassVar[str] = "ticket-trashed"
    trashed_by: str | None


class TicketRestored(_TicketEvent):
    type: ClassVar[str] = "ticket-restored"
    restored_by: str | None


class TicketCommentAdded(DomainEvent):
    source: ClassVar[str] = "tickets"
    type: ClassVar[str] = "ticket-comment-added"
    id: str
    ticket_id: str
    author_id: str
    body: str
    created_at: str


class TicketPhotoAdded(DomainEvent):
    source: ClassVar[str] = "tickets"
    type: ClassVar[str] = "ticket-photo-added"
    id: str
    ticket_id: str
    content_type: str
    size: int
    uploaded_by: str | None
    created_at: str


class TicketPhotoDeleted(DomainEvent):
    source: ClassVar[str] = "tickets"
    type: ClassVar[str] = "ticket-photo-deleted"
    id: str
    ticket_id: str
    deleted_by: str | None
