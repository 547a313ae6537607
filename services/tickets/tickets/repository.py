"""asyncpg SQL on the tickets schema; keyword-only functions taking a connection."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from asyncpg import Connection, Record
from servelo_common import purge

from tickets.domain import ACTIVE_STATUSES, EDITABLE
from tickets.listing import COLUMNS

_PHOTO_COLS = "id, ticket_id, storage_key, content_type, size, filename, uploaded_by, created_at"


async def insert_ticket(
    conn: Connection, *, org_id: UUID, ticket_id: UUID, data: dict[str, Any], created_by: UUID
) -> Record:
    """Insert with the org's next number, taken in the same statement.

    The counter row stays locked until commit, which serializes one org's creates and
    makes numbers gapless (a rolled-back create releases its number). Taking it in the
    last statement before the outbox write keeps that lock as short as possible.
    """
    row: Record = await conn.fetchrow(
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
    return row


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
    lock = " FOR UPDATE" if for_update else ""
    row: Record | None = await conn.fetchrow(
        f"SELECT {COLUMNS} FROM tickets WHERE org_id = $1 AND id = $2{cond}{lock}",  # noqa: S608
        org_id,
        ticket_id,
    )
    return row


async def update_ticket(
    conn: Connection, *, org_id: UUID, ticket_id: UUID, changes: dict[str, Any]
) -> Record:
    names = [n for n in changes if n in EDITABLE]  # column names never come from a client
    sets = ", ".join(f"{n} = ${i}" for i, n in enumerate(names, start=3))
    row: Record = await conn.fetchrow(
        f"UPDATE tickets SET {sets}, updated_at = clock_timestamp()"  # noqa: S608
        f" WHERE org_id = $1 AND id = $2 RETURNING {COLUMNS}",
        org_id,
        ticket_id,
        *(changes[n] for n in names),
    )
    return row


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


async def list_tickets(conn: Connection, *, sql: str, args: list[Any]) -> list[Record]:
    return list(await conn.fetch(sql, *args))


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


async def assignable_user(conn: Connection, *, org_id: UUID, user_id: UUID) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT true FROM users WHERE org_id = $1 AND id = $2 AND active AND NOT deleted",
            org_id,
            user_id,
        )
    )


async def known_customer(conn: Connection, *, org_id: UUID, customer_id: UUID) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT true FROM customers WHERE org_id = $1 AND id = $2 AND NOT deleted",
            org_id,
            customer_id,
        )
    )


# Comments ----------------------------------------------------------------------------


async def insert_comment(
    conn: Connection, *, org_id: UUID, comment_id: UUID, ticket_id: UUID, author_id: UUID, body: str
) -> Record:
    row: Record = await conn.fetchrow(
        "INSERT INTO comments (id, org_id, ticket_id, author_id, body)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING id, ticket_id, author_id, body, created_at",
        comment_id,
        org_id,
        ticket_id,
        author_id,
        body,
    )
    return row


async def list_comments(
    conn: Connection, *, org_id: UUID, ticket_id: UUID, after: list[Any] | None, limit: int
) -> list[Record]:
    """Oldest first; `after` is the (created_at, id) of the previous page's last comment."""
    cond = " AND (created_at, id) > ($3, $4)" if after else ""
    args: list[Any] = [org_id, ticket_id, *(after or [])]
    return list(
        await conn.fetch(
            "SELECT id, ticket_id, author_id, body, created_at FROM comments"  # noqa: S608
            f" WHERE org_id = $1 AND ticket_id = $2{cond}"
            f" ORDER BY created_at, id LIMIT ${len(args) + 1}",
            *args,
            limit,
        )
    )


# Photos ------------------------------------------------------------------------------


async def insert_photo(
    conn: Connection,
    *,
    org_id: UUID,
    photo_id: UUID,
    ticket_id: UUID,
    storage_key: str,
    content_type: str,
    size: int,
    filename: str | None,
    uploaded_by: UUID,
) -> Record:
    row: Record = await conn.fetchrow(
        "INSERT INTO photos (id, org_id, ticket_id, storage_key, content_type, size, filename,"  # noqa: S608
        f" uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {_PHOTO_COLS}",
        photo_id,
        org_id,
        ticket_id,
        storage_key,
        content_type,
        size,
        filename,
        uploaded_by,
    )
    return row


async def list_photos(conn: Connection, *, org_id: UUID, ticket_id: UUID) -> list[Record]:
    return list(
        await conn.fetch(
            f"SELECT {_PHOTO_COLS} FROM photos WHERE org_id = $1 AND ticket_id = $2"  # noqa: S608
            " ORDER BY created_at, id",
            org_id,
            ticket_id,
        )
    )


async def get_photo(
    conn: Connection, *, org_id: UUID, ticket_id: UUID, photo_id: UUID
) -> Record | None:
    """The photo of a live ticket (a trashed ticket's photos are hidden with it)."""
    row: Record | None = await conn.fetchrow(
        f"SELECT {', '.join('p.' + c.strip() for c in _PHOTO_COLS.split(','))}"  # noqa: S608
        " FROM photos p JOIN tickets t ON t.id = p.ticket_id"
        " WHERE p.org_id = $1 AND p.ticket_id = $2 AND p.id = $3 AND t.deleted_at IS NULL",
        org_id,
        ticket_id,
        photo_id,
    )
    return row


async def delete_photo(conn: Connection, *, org_id: UUID, photo_id: UUID) -> None:
    await conn.execute("DELETE FROM photos WHERE org_id = $1 AND id = $2", org_id, photo_id)


# Copies of other services' data -------------------------------------------------------


async def upsert_user(
    conn: Connection, *, org_id: UUID, user_id: UUID, fields: dict[str, Any], event_time: datetime
) -> bool:
    """Apply a user event unless a newer one was applied already; True when it applied."""
    return bool(
        await conn.fetchval(
            "INSERT INTO users AS u (org_id, id, name, email, role, active, deleted, event_time)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (org_id, id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email,"
            " role = EXCLUDED.role, active = EXCLUDED.active, deleted = EXCLUDED.deleted,"
            " event_time = EXCLUDED.event_time"
            " WHERE u.event_time <= EXCLUDED.event_time AND NOT u.deleted RETURNING true",
            org_id,
            user_id,
            fields.get("name") or "",
            fields.get("email") or "",
            fields.get("role") or "",
            bool(fields.get("active")),
            bool(fields.get("deleted")),
            event_time,
        )
    )


async def upsert_customer(
    conn: Connection,
    *,
    org_id: UUID,
    customer_id: UUID,
    name: str,
    deleted: bool,
    event_time: datetime,
) -> bool:
    return bool(
        await conn.fetchval(
            "INSERT INTO customers AS c (org_id, id, name, deleted, event_time)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (org_id, id) DO UPDATE SET"
            " name = EXCLUDED.name, deleted = EXCLUDED.deleted, event_time = EXCLUDED.event_time"
            " WHERE c.event_time <= EXCLUDED.event_time AND NOT c.deleted RETURNING true",
            org_id,
            customer_id,
            name,
            deleted,
            event_time,
        )
    )


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


async def purge_org(conn: Connection, *, org_id: UUID) -> None:
    """Every row of the org in this schema, outbox and inbox included."""
    # ticket_search rows go with their tickets (ON DELETE CASCADE).
    tables = ("photos", "comments", "tickets", "ticket_counters", "users", "customers")
    await purge.purge_org(conn, org_id=org_id, tables=tables)
