"""Tickets: the `tickets` table, its per-org number counter, and the list query (filters,
sorts, keyset pages and search) that `GET /api/tickets` runs."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from asyncpg import Connection, Record
from servelo_common.repository import Lock, get_row, one
from servelo_common.sql import Where

from tickets.domain import ACTIVE_STATUSES, EDITABLE
from tickets.listing import UNASSIGNED, ListQuery

COLUMNS = (
    "id, number, title, description, status, priority, customer_id, assignee_id,"
    " scheduled_at, created_by, created_at, updated_at, deleted_at"
)
# Unscheduled tickets sort after every scheduled one when ascending (listing.NEVER).
NEVER = "'9999-12-31 00:00:00+00'::timestamptz"
SORT_EXPR = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "scheduled_at": f"coalesce(scheduled_at, {NEVER})",
    "number": "number",
}


async def insert_ticket(
    conn: Connection, *, org_id: UUID, ticket_id: UUID, data: dict[str, Any], created_by: UUID
) -> Record:
    """Insert with the org's next number, taken in the same statement.

    The counter row stays locked until commit, which serializes one org's creates and
    makes numbers gapless (a rolled-back create releases its number). Taking it in the
    last statement before the outbox write keeps that lock as short as possible.
    """
    return await one(
        conn,
        "WITH counter AS (INSERT INTO ticket_counters (org_id, next_number) VALUES ($2, 2)"  # noqa: S608
        " ON CONFLICT (org_id) DO UPDATE SET next_number = ticket_counters.next_number + 1"
        " RETURNING next_number - 1 AS number)"
        " INSERT INTO tickets (id, org_id, number, title, description, status, priority,"
        " customer_id, assignee_id, scheduled_at, created_by)"
        " SELECT $1, $2, counter.number, $3, $4, $5, $6, $7, $8, $9, $10 FROM counter"
        f" RETURNING {COLUMNS}",
        ticket_id,
        org_id,
        data["title"],
        data["description"],
        data["status"],
        data["priority"],
        data["customer_id"],
        data["assignee_id"],
        data["scheduled_at"],
        created_by,
    )


async def get_ticket(
    conn: Connection,
    *,
    org_id: UUID,
    ticket_id: UUID,
    trashed: bool | None = False,
    for_update: bool = False,
) -> Record | None:
    """`trashed`: False live only, True Trash only, None either."""
    cond = {False: " AND deleted_at IS NULL", True: " AND deleted_at IS NOT NULL", None: ""}[
        trashed
    ]
    lock: Lock | None = "UPDATE" if for_update else None
    return await get_row(
        conn, "tickets", org_id=org_id, row_id=ticket_id, columns=COLUMNS, lock=lock, also=cond
    )


async def update_ticket(
    conn: Connection, *, org_id: UUID, ticket_id: UUID, changes: dict[str, Any]
) -> Record:
    where = Where().add("org_id = {}", org_id).add("id = {}", ticket_id)
    sets = where.assign(changes, frozenset(EDITABLE))  # column names never from a client
    return await one(
        conn,
        f"UPDATE tickets SET {sets}, updated_at = clock_timestamp()"  # noqa: S608
        f"{where.sql} RETURNING {COLUMNS}",
        *where.params,
    )


async def set_trashed(
    conn: Connection, *, org_id: UUID, ticket_id: UUID, trashed: bool
) -> Record | None:
    """Move to / back from the Trash; None when the ticket is not in the expected place."""
    # Column lists are constants of this module; values are always bind parameters.
    sql = (
        f"UPDATE tickets SET deleted_at = clock_timestamp(), updated_at = clock_timestamp()"  # noqa: S608
        f" WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING {COLUMNS}"
        if trashed
        else f"UPDATE tickets SET deleted_at = NULL, updated_at = clock_timestamp()"  # noqa: S608
        f" WHERE org_id = $1 AND id = $2 AND deleted_at IS NOT NULL RETURNING {COLUMNS}"
    )
    row: Record | None = await conn.fetchrow(sql, org_id, ticket_id)
    return row


async def plan_for_cached_data(conn: Connection) -> None:
    """For the rest of the transaction, price a random page read as cached data costs.

    With the default (4.0) the planner sorted a whole 10,000-ticket org (20 ms) rather
    than walk the first 1,000 rows of an index (3 ms) for a search's bounded walk.
    """
    await conn.execute("SELECT set_config('random_page_cost', '1.1', true)")


async def search_hits(conn: Connection, *, org_id: UUID, terms: str, cap: int) -> list[UUID]:
    """Ids of the org's tickets (live or trashed) matching the tsquery `terms`, up to `cap`.

    Reads only the side table (GIN, no row-level security), hence the explicit org filter.
    The ids only ever select rows of `tickets`, whose RLS hides every other org's. The
    tsquery includes the org's lexeme (migrations/0003), so GIN reads the word's entries
    of this org only, not its matches in every org.
    """
    return [
        r[0]
        for r in await conn.fetch(
            "SELECT ticket_id FROM ticket_search WHERE org_id = $1"
            " AND search @@ ticket_search_query($1, $2) LIMIT $3",
            org_id,
            terms,
            cap,
        )
    ]


async def unassign_user(conn: Connection, *, org_id: UUID, user_id: UUID) -> list[Record]:
    """Take a user off every ticket still being worked on; the tickets changed."""
    return list(
        await conn.fetch(
            "UPDATE tickets SET assignee_id = NULL, updated_at = clock_timestamp()"
            " WHERE org_id = $1 AND assignee_id = $2 AND status = ANY($3::text[])"
            " RETURNING id, number",
            org_id,
            user_id,
            list(ACTIVE_STATUSES),
        )
    )


async def clear_customer(conn: Connection, *, org_id: UUID, customer_id: UUID) -> list[Record]:
    return list(
        await conn.fetch(
            "UPDATE tickets SET customer_id = NULL, updated_at = clock_timestamp()"
            " WHERE org_id = $1 AND customer_id = $2 RETURNING id, number",
            org_id,
            customer_id,
        )
    )


# How a search finds its page (see docs/tickets.md, "Search under row-level security"):
# 1. walk the list in sort order, at most WALK rows, checking each row's lexemes in the
#    side table by id; enough when matches are common (or the list ends within WALK rows);
# 2. else, at most FEW_HITS matches: their ids from the side table's GIN index, then
#    those tickets, sorted;
# 3. else walk the whole list as in 1 (matches are at least FEW_HITS, so not too sparse).
WALK = 1000
FEW_HITS = 5000


async def list_tickets(
    conn: Connection, *, org_id: UUID, query: ListQuery, cursor: list[Any] | None, limit: int
) -> list[Record]:
    """One page (`limit` rows; the service asks for one extra) in the query's sort order;
    rows carry `sort_key`, the sort's value."""

    async def fetch(**how: Any) -> list[Record]:
        sql, args = build_query(query, org_id=org_id, cursor=cursor, limit=limit, **how)
        return list(await conn.fetch(sql, *args))

    if query.search is None:
        return await fetch()
    # The three steps of a search, cheapest first.
    await plan_for_cached_data(conn)
    rows = await fetch(walk=WALK)
    if len(rows) == limit or (rows and rows[0]["walked"] < WALK):
        return rows
    hits = await search_hits(conn, org_id=org_id, terms=query.search, cap=FEW_HITS + 1)
    return await fetch(hit_ids=hits) if len(hits) <= FEW_HITS else await fetch()


def build_query(
    q: ListQuery,
    *,
    org_id: UUID,
    cursor: list[Any] | None,
    limit: int,
    walk: int | None = None,
    hit_ids: list[UUID] | None = None,
) -> tuple[str, list[Any]]:
    """SQL and arguments for one page (`limit` rows).

    With a search: `walk` bounds the rows walked (step 1 above; rows then carry `walked`,
    how many were), `hit_ids` selects the matches found by the GIN index (step 2), neither
    is step 3. The forms are fixed rather than left to the planner, which cannot estimate
    a prefix tsquery: given a join it walked the whole org in sort order for a word of 20
    tickets (2 s on 200,000) or read every match of a word of every ticket.
    """
    where = Where().add("org_id = {}", org_id)
    if q.trashed is not None:
        where.add("deleted_at IS NOT NULL" if q.trashed else "deleted_at IS NULL")
    if q.statuses:
        where.add("status = ANY({}::text[])", q.statuses)
    if q.priorities:
        where.add("priority = ANY({}::text[])", q.priorities)
    if q.assignee == UNASSIGNED:
        where.add("assignee_id IS NULL")
    elif q.assignee is not None:
        where.add("assignee_id = {}", q.assignee)
    where.when(q.customer_id, "customer_id = {}")
    matches = None
    if hit_ids is not None:
        where.add("id = ANY({}::uuid[])", hit_ids)
    elif q.search:
        # The side table (migrations/0002; `@@` is not leakproof, so under RLS an index on
        # `tickets` is never used), read by primary key for each row walked. Its rows are
        # filtered by org, and only select rows of `tickets`, whose RLS hides other orgs'.
        # `ticket_search_query` ANDs the org's lexeme in (migrations/0003), as everywhere;
        # as a sub-select it is computed once, not for each row (in a generic plan).
        matches = (
            "(SELECT s.search FROM ticket_search s WHERE s.ticket_id = {row}.id"  # noqa: S608
            f" AND s.org_id = $1) @@ (SELECT ticket_search_query($1, {where.param(q.search)}))"
        )
    where.when(q.scheduled_from, "scheduled_at >= {}")
    where.when(q.scheduled_to, "scheduled_at <= {}")
    where.when(q.updated_since, "updated_at >= {}")
    s, expr = q.sort, SORT_EXPR[q.sort.field]
    op, direction = ("<", "DESC") if s.descending else (">", "ASC")
    if cursor is not None:
        if s.unique:
            where.add(f"{expr} {op} {{}}", cursor[0])
        else:
            where.keyset(f"({expr}, id)", op, cursor)

    def order(key: str) -> str:
        return f"{key} {direction}" if s.unique else f"{key} {direction}, id {direction}"

    if matches is not None and walk is None:
        where.add(matches.format(row="tickets"))
    sql = f"SELECT {COLUMNS}, {expr} AS sort_key FROM tickets{where.sql}"  # noqa: S608
    if hit_ids is not None:  # planned without the ORDER BY ... LIMIT: just those rows
        sql = f"SELECT * FROM ({sql} OFFSET 0) AS hits"  # noqa: S608
    elif matches is not None and walk is not None:
        # The middle ORDER BY tells the planner the rows come sorted, so the outer LIMIT
        # stops at the page's last match instead of checking every walked row.
        sql = (
            "SELECT * FROM (SELECT *, count(*) OVER () AS walked FROM"  # noqa: S608
            f" ({sql} ORDER BY {order(expr)} LIMIT {where.param(walk)}) AS w"
            f" ORDER BY {order('sort_key')}) AS w WHERE {matches.format(row='w')}"
        )
    else:
        return f"{sql} ORDER BY {order(expr)} LIMIT {where.param(limit)}", where.params
    return f"{sql} ORDER BY {order('sort_key')} LIMIT {where.param(limit)}", where.params
