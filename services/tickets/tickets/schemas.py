"""Request and response shapes: TicketCreate / TicketUpdate / TicketPublic, comments, photos."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field
from servelo_common.schemas import (
    ApiInput,
    ApiOutput,
    IdOut,
    Instant,
    Name,
    NotNull,
    Text,
    Timestamp,
)

from tickets.domain import PRIORITIES, STATUSES, Priority, Status

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def _one_or_more(choices: tuple[str, ...]) -> str:
    one = "|".join(choices)
    return rf"^({one})(,({one}))*$"


class TicketCreate(ApiInput):
    title: Name
    description: Text = ""
    status: Status = "open"
    priority: Priority = "normal"
    customer_id: UUID | None = None
    assignee_id: UUID | None = None
    scheduled_at: Instant | None = None


class TicketUpdate(ApiInput):
    """Partial: only the fields sent change; `null` clears customer, assignee, schedule."""

    title: Annotated[Name | None, NotNull()] = None
    description: Annotated[Text | None, NotNull()] = None
    status: Annotated[Status | None, NotNull()] = None
    priority: Annotated[Priority | None, NotNull()] = None
    customer_id: UUID | None = None
    assignee_id: UUID | None = None
    scheduled_at: Instant | None = None


class TicketPublic(ApiOutput):
    id: IdOut
    number: int
    title: str
    description: str
    status: str
    priority: str
    customer_id: IdOut | None
    assignee_id: IdOut | None
    scheduled_at: Timestamp | None
    created_by: IdOut | None
    created_at: Timestamp
    updated_at: Timestamp
    deleted_at: Timestamp | None


class TicketQuery(ApiInput):
    """Query string of `GET /api/tickets` (cursor and limit are read by the pager)."""

    status: Annotated[
        str | None,
        Field(
            pattern=_one_or_more(STATUSES),
            description="One status or several, comma-separated: `open,in_progress`.",
        ),
    ] = None
    priority: Annotated[
        str | None,
        Field(pattern=_one_or_more(PRIORITIES), description="One priority or several."),
    ] = None
    assignee_id: Annotated[
        str | None,
        Field(
            pattern=rf"^(me|none|{_UUID})$",
            description="A user id, `me` (the caller) or `none` (unassigned).",
        ),
    ] = None
    customer_id: UUID | None = None
    q: Annotated[
        str | None, Field(max_length=200, description="Words the title or description has.")
    ] = None
    scheduled_from: Instant | None = None
    scheduled_to: Instant | None = None
    trashed: Annotated[bool, Field(description="`true`: list the Trash instead.")] = False
    sort: Literal[
        "created_at",
        "-created_at",
        "updated_at",
        "-updated_at",
        "scheduled_at",
        "-scheduled_at",
        "number",
        "-number",
    ] = "-created_at"


class TicketLookup(ApiInput):
    """Query string of `GET /api/tickets/{id}`."""

    trashed: Annotated[bool, Field(description="`true`: also find it in the Trash.")] = False


class CommentCreate(ApiInput):
    body: Annotated[str, Field(min_length=1, max_length=10_000)]


class CommentPublic(ApiOutput):
    id: IdOut
    ticket_id: IdOut
    author_id: IdOut
    body: str
    created_at: Timestamp
    updated_at: Timestamp


class PhotoPublic(ApiOutput):
    id: IdOut
    ticket_id: IdOut
    url: str
    content_type: str
    size: int
    filename: str | None
    uploaded_by: IdOut | None
    created_at: Timestamp
