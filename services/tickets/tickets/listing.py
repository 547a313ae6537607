"""`GET /api/tickets`: filters and sort from the query string, turned into one keyset query.

Each sort has an index on live tickets (see 0001_init.sql), and the cursor holds the last
row's sort key (plus its id where the key is not unique), so page N costs what page 1 does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from servelo_common.errors import RequestValidationError

from tickets.domain import PRIORITIES, STATUSES
from tickets.schemas import TicketFilters

COLUMNS = (
    "id, number, title, description, status, priority, customer_id, assignee_id,"
    " scheduled_at, created_by, created_at, updated_at, deleted_at"
)
# Unscheduled tickets sort after every scheduled one when ascending (first when descending).
NEVER = "'9999-12-31 00:00:00+00'::timestamptz"
_SORT_EXPR = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "scheduled_at": f"coalesce(scheduled_at, {NEVER})",
    "number": "number",
}
UNASSIGNED = "none"


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool

    @property
    def expr(self) -> str:
        return _SORT_EXPR[self.field]

    @property
    def unique(self) -> bool:
        """`number` is unique in an org, so it is a cursor on its own."""
        return self.field == "number"

    @property
    def key_types(self) -> tuple[type, ...]:
        return (int,) if self.unique else (datetime, UUID)

    def key(self, row: Any) -> tuple[Any, ...]:
        return (row["sort_key"],) if self.unique else (row["sort_key"], row["id"])


@dataclass(frozen=True)
class ListQuery:
    statuses: list[str]
    priorities: list[str]
    assignee: UUID | str | None
    customer_id: UUID | None
    search: str | None
    scheduled_from: datetime | None
    scheduled_to: datetime | None
    updated_since: datetime | None
    trashed: bool
    sort: Sort


def _choices(raw: str | None, allowed: tuple[str, ...], name: str) -> list[str]:
    if raw is None:
        return []
    values = [v.strip() for v in raw.split(",") if v.strip()]
    bad = [v for v in values if v not in allowed]
    if bad:
        raise RequestValidationError(
            {name: [f"Unknown {name} {bad[0]!r}; use one of: {', '.join(allowed)}."]}
        )
    return values


def parse_sort(raw: str) -> Sort:
    name = raw.removeprefix("-")
    if name not in _SORT_EXPR:
        raise RequestValidationError(
            {"sort": [f"Sort by one of: {', '.join(_SORT_EXPR)} (prefix '-' for descending)."]}
        )
    return Sort(name, raw.startswith("-"))


def search_terms(text: str | None) -> str | None:
    """Words of `q` as a prefix tsquery (`leak:* & kitch:*`); None when there is none.

    Only `\\w` characters, which is also why no prefix can match the org lexeme
    (`~org ...`, migrations/0003) that every side-table row holds.
    """
    words = re.findall(r"\w+", (text or "").lower())
    return " & ".join(f"{w}:*" for w in words[:10]) or None


def parse_filters(f: TicketFilters, *, caller_id: str) -> ListQuery:
    assignee: UUID | str | None = None
    if f.assignee_id is not None:
        raw = f.assignee_id.strip().lower()
        if raw == "me":
            assignee = UUID(caller_id)
        elif raw == UNASSIGNED:
            assignee = UNASSIGNED
        else:
            try:
                assignee = UUID(raw)
            except ValueError as exc:
                raise RequestValidationError(
                    {"assignee_id": ["Must be a user id, 'me' or 'none'."]}
                ) from exc
    return ListQuery(
        statuses=_choices(f.status, STATUSES, "status"),
        priorities=_choices(f.priority, PRIORITIES, "priority"),
        assignee=assignee,
        customer_id=f.customer_id,
        search=search_terms(f.q),
        scheduled_from=f.scheduled_from,
        scheduled_to=f.scheduled_to,
        updated_since=f.updated_since,
        trashed=f.trashed,
        sort=parse_sort(f.sort),
    )


# How a search finds its page (see docs/tickets.md, "Search under row-level security"):
# 1. walk the list in sort order, at most WALK rows, checking each row's lexemes in the
#    side table by id; enough when matches are common (or the list ends within WALK rows);
# 2. else, at most FEW_HITS matches: their ids from the side table's GIN index, then
#    those tickets, sorted;
# 3. else walk the whole list as in 1 (matches are at least FEW_HITS, so not too sparse).
WALK = 1000
FEW_HITS = 5000


def build_query(
    q: ListQuery,
    *,
    org_id: UUID,
    cursor: list[Any] | None,
    limit: int,
    walk: int | None = None,
    hit_ids: list[UUID] | None = None,
) -> tuple[str, list[Any]]:
    """SQL and arguments for one page (`limit` rows; the caller asks for one extra).

    With a search: `walk` bounds the rows walked (step 1 above; rows then carry `walked`,
    how many were), `hit_ids` selects the matches found by the GIN index (step 2), neither
    is step 3. The forms are fixed rather than left to the planner, which cannot estimate
    a prefix tsquery: given a join it walked the whole org in sort order for a word of 20
    tickets (2 s on 200,000) or read every match of a word of every ticket.
    """
    args: list[Any] = [org_id]

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    where = ["org_id = $1", "deleted_at IS NOT NULL" if q.trashed else "deleted_at IS NULL"]
    if q.statuses:
        where.append(f"status = ANY({arg(q.statuses)}::text[])")
    if q.priorities:
        where.append(f"priority = ANY({arg(q.priorities)}::text[])")
    if q.assignee == UNASSIGNED:
        where.append("assignee_id IS NULL")
    elif q.assignee is not None:
        where.append(f"assignee_id = {arg(q.assignee)}")
    if q.customer_id is not None:
        where.append(f"customer_id = {arg(q.customer_id)}")
    matches = None
    if hit_ids is not None:
        where.append(f"id = ANY({arg(hit_ids)}::uuid[])")
    elif q.search:
        # The side table (migrations/0002; `@@` is not leakproof, so under RLS an index on
        # `tickets` is never used), read by primary key for each row walked. Its rows are
        # filtered by org, and only select rows of `tickets`, whose RLS hides other orgs'.
        # `ticket_search_query` ANDs the org's lexeme in (migrations/0003), as everywhere;
        # as a sub-select it is computed once, not for each row (in a generic plan).
        matches = (
            "(SELECT s.search FROM ticket_search s WHERE s.ticket_id = {row}.id"  # noqa: S608
            f" AND s.org_id = $1) @@ (SELECT ticket_search_query($1, {arg(q.search)}))"
        )
    if q.scheduled_from is not None:
        where.append(f"scheduled_at >= {arg(q.scheduled_from)}")
    if q.scheduled_to is not None:
        where.append(f"scheduled_at <= {arg(q.scheduled_to)}")
    if q.updated_since is not None:
        where.append(f"updated_at >= {arg(q.updated_since)}")
    s = q.sort
    op, direction = ("<", "DESC") if s.descending else (">", "ASC")
    if cursor is not None:
        if s.unique:
            where.append(f"{s.expr} {op} {arg(cursor[0])}")
        else:
            where.append(f"({s.expr}, id) {op} ({arg(cursor[0])}, {arg(cursor[1])})")

    def order(key: str) -> str:
        return f"{key} {direction}" if s.unique else f"{key} {direction}, id {direction}"

    if matches is not None and walk is None:
        where.append(matches.format(row="tickets"))
    # Every identifier here comes from this module; client values are bind parameters.
    sql = (
        f"SELECT {COLUMNS}, {s.expr} AS sort_key FROM tickets"  # noqa: S608
        f" WHERE {' AND '.join(where)}"
    )
    if hit_ids is not None:  # planned without the ORDER BY ... LIMIT: just those rows
        sql = f"SELECT * FROM ({sql} OFFSET 0) AS hits"  # noqa: S608
    elif matches is not None and walk is not None:
        # The middle ORDER BY tells the planner the rows come sorted, so the outer LIMIT
        # stops at the page's last match instead of checking every walked row.
        sql = (
            "SELECT * FROM (SELECT *, count(*) OVER () AS walked FROM"  # noqa: S608
            f" ({sql} ORDER BY {order(s.expr)} LIMIT {arg(walk)}) AS w"
            f" ORDER BY {order('sort_key')}) AS w WHERE {matches.format(row='w')}"
        )
    else:
        return f"{sql} ORDER BY {order(s.expr)} LIMIT {arg(limit)}", args
    return f"{sql} ORDER BY {order('sort_key')} LIMIT {arg(limit)}", args
