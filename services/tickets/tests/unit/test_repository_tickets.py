"""The list query's SQL: keysets follow the sort, the Trash, the three forms of a search."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from tickets.listing import ListQuery, parse_filters
from tickets.repository.tickets import build_query
from tickets.schemas import TicketQuery

ME = str(uuid4())


def _query(**params: str) -> ListQuery:
    return parse_filters(TicketQuery.model_validate(params), caller_id=ME)


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
