"""`GET /api/tickets`: the filters and the sort of a list, parsed from the query string.
No I/O: the repository turns a `ListQuery` into one keyset query (`repository.tickets`).

Each sort has an index on live tickets (see 0001_init.sql), and the cursor holds the last
row's sort key (plus its id where the key is not unique), so page N costs what page 1 does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from servelo_common.errors import RequestValidationError

from tickets.domain import PRIORITIES, STATUSES, Ticket
from tickets.schemas import TicketQuery

SORTS = ("created_at", "updated_at", "scheduled_at", "number")
# Unscheduled tickets sort after every scheduled one when ascending (first when descending).
NEVER = datetime(9999, 12, 31, tzinfo=UTC)
UNASSIGNED = "none"


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool

    @property
    def unique(self) -> bool:
        """`number` is unique in an org, so it is a cursor on its own."""
        return self.field == "number"

    @property
    def key_types(self) -> tuple[type, ...]:
        return (int,) if self.unique else (datetime, UUID)

    def key(self, ticket: Ticket) -> tuple[Any, ...]:
        """The cursor of a page ending at `ticket` (what the repository's keyset compares)."""
        if self.unique:
            return (ticket.number,)
        value = getattr(ticket, self.field)
        return (NEVER if value is None else value, ticket.id)


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
    trashed: bool | None  # None: live and trashed tickets together
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
    if name not in SORTS:
        raise RequestValidationError(
            {"sort": [f"Sort by one of: {', '.join(SORTS)} (prefix '-' for descending)."]}
        )
    return Sort(name, raw.startswith("-"))


def search_terms(text: str | None) -> str | None:
    """Words of `q` as a prefix tsquery (`leak:* & kitch:*`); None when there is none.

    Only `\\w` characters, which is also why no prefix can match the org lexeme
    (`~org ...`, migrations/0003) that every side-table row holds.
    """
    words = re.findall(r"\w+", (text or "").lower())
    return " & ".join(f"{w}:*" for w in words[:10]) or None


def parse_filters(f: TicketQuery, *, caller_id: str) -> ListQuery:
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
        updated_since=None,
        trashed=f.trashed,
        sort=parse_sort(f.sort),
    )


def for_sync(q: ListQuery, since: datetime) -> ListQuery:
    """The list as `updated_since` reads it: changed at or after `since`, by (updated_at,
    id) whatever `sort` says, and trashed tickets too (with `deleted_at` set), so a sync
    client sees a ticket go to the Trash and come back; `trashed=1` keeps to the Trash."""
    return replace(
        q,
        updated_since=since,
        sort=Sort("updated_at", descending=False),
        trashed=True if q.trashed else None,
    )
