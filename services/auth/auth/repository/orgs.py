"""The tenant registry (`orgs`, no row-level security) and the org purge."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import asyncpg
from servelo_common.purge import purge_org
from servelo_common.sql import Where

from auth.repository import Record

# The columns a system admin may change.
COLUMNS = frozenset({"name", "plan", "active"})
_WITH_USER_COUNT = (
    "SELECT o.*, (SELECT count(*) FROM users u WHERE u.org_id = o.id) AS user_count FROM orgs o"
)


async def insert_org(
    conn: asyncpg.Connection, *, org_id: UUID, slug: str, name: str, plan: str
) -> Record | None:
    """The new org (with its user count, 1 once its admin is in), or None when the slug is
    taken: two replicas bootstrapping together create it once."""
    return await conn.fetchrow(
        "INSERT INTO orgs (id, slug, name, plan) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (slug) DO NOTHING RETURNING *, 1::bigint AS user_count",
        org_id,
        slug,
        name,
        plan,
    )


async def get_org(conn: asyncpg.Connection, *, org_id: UUID, lock: bool = False) -> Record | None:
    """`lock`: FOR SHARE, so a suspension waits for the caller's transaction."""
    suffix = " FOR SHARE" if lock else ""
    return await conn.fetchrow(f"SELECT * FROM orgs WHERE id = $1{suffix}", org_id)  # noqa: S608


async def get_org_by_slug(conn: asyncpg.Connection, *, slug: str) -> Record | None:
    """With its user count (of the tenant whose transaction this is)."""
    return await conn.fetchrow(f"{_WITH_USER_COUNT} WHERE o.slug = $1", slug)


async def org_id_by_slug(conn: asyncpg.Connection, *, slug: str) -> UUID | None:
    org_id: UUID | None = await conn.fetchval("SELECT id FROM orgs WHERE slug = $1", slug)
    return org_id


async def registry(conn: asyncpg.Connection) -> list[Record]:
    """Every org, for the gateway's tenant registry."""
    return list(
        await conn.fetch("SELECT id, slug, name, plan, active, created_at FROM orgs ORDER BY slug")
    )


async def list_orgs(
    conn: asyncpg.Connection, *, limit: int, after: Sequence[Any] | None
) -> list[Record]:
    """Newest first with their user counts (a `system_tx`: counting crosses tenants),
    keyset-paged on (created_at, id)."""
    where = Where()
    sql = where.page(
        _WITH_USER_COUNT, order=("o.created_at", "o.id"), descending=True, limit=limit, after=after
    )
    return list(await conn.fetch(sql, *where.params))


async def update_org(conn: asyncpg.Connection, *, org_id: UUID, changes: Mapping[str, Any]) -> None:
    """Set the given columns (only `COLUMNS`) and `updated_at`; takes the row lock."""
    where = Where(org_id)
    await conn.execute(
        f"UPDATE orgs SET {where.assign(changes, COLUMNS)}, updated_at = now()"  # noqa: S608
        " WHERE id = $1",
        *where.params,
    )


async def delete_org(conn: asyncpg.Connection, *, org_id: UUID) -> bool:
    """Every row of the org in auth (its tables reference `orgs` ON DELETE CASCADE), the
    platform tables' rows and the org's tombstone, but the outbox: it is about to carry
    `org-deleted` to the other services. A `system_tx`. False when it was already gone."""
    # First: it waits for the org's transactions in flight, then leaves the tombstone.
    await purge_org(conn, org_id=org_id, include_outbox=False)
    deleted = await conn.fetchval("DELETE FROM orgs WHERE id = $1 RETURNING id", org_id)
    return deleted is not None
