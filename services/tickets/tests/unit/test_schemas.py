"""Request schemas and list query parsing."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError
from servelo_common.errors import RequestValidationError
from tickets.listing import ListQuery, build_query, parse_filters, parse_sort, search_terms
from tickets.schemas import TicketCreate, TicketFilters, TicketUpdate

ME = str(uuid4())


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


def _query(**params: str) -> ListQuery:
    return parse_filters(TicketFilters.model_validate(params), caller_id=ME)


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


def test_keyset_condition_follows_the_sort() -> None:
    q = _query(sort="scheduled_at", status="open")
    sql, args = build_query(q, org_id=uuid4(), cursor=[datetime.now(UTC), uuid4()], limit=51)
    assert "coalesce(scheduled_at" in sql and ") > ($3, $4)" in sql
    assert "ASC, id ASC LIMIT $5" in sql
    assert args[1] == ["open"] and args[-1] == 51


def test_trash_listing_selects_trashed_rows_only() -> None:
    sql, _ = build_query(_query(trashed="1"), org_id=uuid4(), cursor=None, limit=10)
    assert "deleted_at IS NOT NULL" in sql


def test_search_reads_the_side_table_by_id_and_org_with_the_org_lexeme() -> None:
    org = uuid4()
    sql, args = build_query(_query(q="boiler"), org_id=org, cursor=None, limit=10)
    assert (
        "(SELECT s.search FROM ticket_search s WHERE s.ticket_id = tickets.id"
        " AND s.org_id = $1) @@ (SELECT ticket_search_query($1, $2))"
    ) in sql
    assert args[0] == org and args[1] == "boiler:*"


def test_bounded_walk_counts_the_rows_it_walked() -> None:
    sql, args = build_query(_query(q="boiler"), org_id=uuid4(), cursor=None, limit=10, walk=2000)
    assert "count(*) OVER () AS walked" in sql
    assert "LIMIT $3) AS w ORDER BY sort_key DESC, id DESC) AS w" in sql
    assert "s.ticket_id = w.id" in sql and sql.endswith("sort_key DESC, id DESC LIMIT $4")
    assert args[2:] == [2000, 10]


def test_few_search_hits_are_sorted_behind_a_fence() -> None:
    hits = [uuid4(), uuid4()]
    sql, args = build_query(
        _query(q="zanzibar", sort="number"), org_id=uuid4(), cursor=[7], limit=10, hit_ids=hits
    )
    assert "id = ANY($2::uuid[])" in sql and "ticket_search" not in sql
    assert "number > $3 OFFSET 0) AS hits ORDER BY sort_key ASC LIMIT $4" in sql
    assert args[1] == hits
