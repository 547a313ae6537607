"""Request schemas: defaults, partial updates, camelCase, what is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from pydantic import ValidationError
from tickets.schemas import TicketCreate, TicketUpdate


def test_create_defaults_to_open_normal() -> None:
    t = TicketCreate.model_validate({"title": " Leak "})
    assert (t.title, t.status, t.priority, t.description) == ("Leak", "open", "normal", "")


def test_create_refuses_empty_title_and_unknown_priority() -> None:
    with pytest.raises(ValidationError) as exc:
        TicketCreate.model_validate({"title": "", "priority": "asap"})
    fields = {e["loc"][0] for e in exc.value.errors()}
    assert fields == {"title", "priority"}


def test_create_accepts_camel_case_and_naive_time_as_utc() -> None:
    cid = uuid4()
    t = TicketCreate.model_validate(
        {"title": "x", "customerId": str(cid), "scheduledAt": "2024-01-15T10:00:00"}
    )
    assert t.customer_id == cid
    assert t.scheduled_at == datetime(2024, 1, 15, 10, tzinfo=UTC)


def test_update_is_partial_and_null_clears_assignee() -> None:
    u = TicketUpdate.model_validate({"assignee_id": None})
    assert u.provided() == {"assignee_id": None}


def test_update_refuses_null_title() -> None:
    with pytest.raises(ValidationError, match="title field cannot be null"):
        TicketUpdate.model_validate({"title": None})
