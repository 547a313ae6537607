"""List query parsing: filters, assignee shortcuts, sorts and search words."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from servelo_common.errors import RequestValidationError
from servelo_common.http import validate
from tickets.domain import Ticket
from tickets.listing import NEVER, ListQuery, parse_filters, parse_sort, search_terms
from tickets.schemas import TicketQuery

ME = str(uuid4())


def _query(**params: str) -> ListQuery:
    # As the route reads it: the query model first (its patterns), then the filters.
    return parse_filters(validate(TicketQuery, params), caller_id=ME)


def test_status_filter_takes_a_comma_list() -> None:
    assert _query(status="open,in_progress").statuses == ["open", "in_progress"]


def test_unknown_status_filter_is_a_validation_error() -> None:
    with pytest.raises(RequestValidationError) as exc:
        _query(status="done")
    assert exc.value.errors is not None and "status" in exc.value.errors


def test_assignee_me_and_none() -> None:
    assert _query(assignee_id="me").assignee == UUID(ME)
    assert _query(assignee_id="none").assignee == "none"
    with pytest.raises(RequestValidationError):
        _query(assignee_id="bob")


def test_sort_fields_and_direction() -> None:
    s = parse_sort("-updated_at")
    assert (s.field, s.descending, s.key_types) == ("updated_at", True, (datetime, UUID))
    assert parse_sort("number").key_types == (int,)
    with pytest.raises(RequestValidationError):
        parse_sort("title")


def test_search_terms_are_prefix_words_without_operators() -> None:
    assert search_terms("Leaky  kitchen!") == "leaky:* & kitchen:*"
    assert search_terms("'&|!:*") is None


def test_cursor_key_is_the_sort_value_and_id_with_unscheduled_last() -> None:
    t = Ticket.from_row(
        {
            "id": uuid4(),
            "number": 7,
            "title": "x",
            "description": "",
            "status": "open",
            "priority": "normal",
            "customer_id": None,
            "assignee_id": None,
            "scheduled_at": None,
            "created_by": None,
            "created_at": datetime(2026, 1, 1, tzinfo=UTC),
            "updated_at": datetime(2026, 1, 2, tzinfo=UTC),
            "deleted_at": None,
        }
    )
    assert parse_sort("number").key(t) == (7,)
    assert parse_sort("-updated_at").key(t) == (t.updated_at, t.id)
    assert parse_sort("scheduled_at").key(t) == (NEVER, t.id)
