"""Endpoints and their sealed secrets: the `endpoints` and `endpoint_secrets` tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from servelo_common.repository import delete_row, get_row, list_page, one, update_row
from servelo_common.sql import Where

from webhooks.repository import Record

COLUMNS = frozenset({"url", "events", "description", "active", "disabled_reason", "failing_since"})


async def list_endpoints(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    limit: int,
    before: Sequence[Any] | None,
    since: datetime | None = None,
) -> list[Record]:
    """Newest first; changed since `since`: by (updated_at, id)."""
    return await list_page(
        conn,
        "SELECT * FROM endpoints",
        Where().add("org_id = {}", org_id),
        order=("created_at", "id"),
        descending=True,
        limit=limit,
        after=before,
        since=since,
    )


async def get_endpoint(
    conn: asyncpg.Connection, *, org_id: UUID, endpoint_id: UUID, lock: bool = False
) -> Record | None:
    return await get_row(
        conn, "endpoints", org_id=org_id, row_id=endpoint_id, lock="UPDATE" if lock else None
    )


async def insert_endpoint(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    endpoint_id: UUID,
    url: str,
    events: list[str],
    description: str | None,
) -> Record:
    return await one(
        conn,
        "INSERT INTO endpoints (id, org_id, url, events, description) VALUES ($1, $2, $3, $4, $5)"
        " RETURNING *",
        endpoint_id,
        org_id,
        url,
        events,
        description,
    )


async def update_endpoint(
    conn: asyncpg.Connection, *, org_id: UUID, endpoint_id: UUID, changes: Mapping[str, Any]
) -> Record | None:
    return await update_row(
        conn, "endpoints", COLUMNS, org_id=org_id, row_id=endpoint_id, changes=changes
    )


async def delete_endpoint(conn: asyncpg.Connection, *, org_id: UUID, endpoint_id: UUID) -> bool:
    """Deletes its secrets and deliveries too (ON DELETE CASCADE)."""
    return await delete_row(conn, "endpoints", org_id=org_id, row_id=endpoint_id) is not None


async def mark_failing(
    conn: asyncpg.Connection, *, org_id: UUID, endpoint_id: UUID
) -> Record | None:
    """Record a failed attempt: `failing_since` keeps the first one. Locks the endpoint."""
    return await conn.fetchrow(
        "UPDATE endpoints SET failing_since = COALESCE(failing_since, now())"
        " WHERE org_id = $1 AND id = $2 RETURNING *",
        org_id,
        endpoint_id,
    )


async def clear_failing(conn: asyncpg.Connection, *, endpoint_ids: Sequence[UUID]) -> None:
    """A success ends the failing streak (cross-tenant: the dispatcher's batch)."""
    await conn.execute(
        "UPDATE endpoints SET failing_since = NULL"
        " WHERE id = ANY($1::uuid[]) AND failing_since IS NOT NULL",
        list(endpoint_ids),
    )


# --- secrets -------------------------------------------------------------------------------


async def insert_secret(
    conn: asyncpg.Connection, *, org_id: UUID, endpoint_id: UUID, sealed: bytes
) -> None:
    await conn.execute(
        "INSERT INTO endpoint_secrets (org_id, endpoint_id, sealed) VALUES ($1, $2, $3)",
        org_id,
        endpoint_id,
        sealed,
    )


async def expire_current_secrets(
    conn: asyncpg.Connection, *, org_id: UUID, endpoint_id: UUID, at: datetime
) -> None:
    """The secrets that sign without an end date get one (a rotation's overlap)."""
    await conn.execute(
        "UPDATE endpoint_secrets SET expires_at = $3"
        " WHERE org_id = $1 AND endpoint_id = $2 AND expires_at IS NULL",
        org_id,
        endpoint_id,
        at,
    )


async def active_secrets(conn: asyncpg.Connection, *, endpoint_ids: Sequence[UUID]) -> list[Record]:
    """(org_id, endpoint_id, sealed) of the secrets that sign now, newest first."""
    return list(
        await conn.fetch(
            "SELECT org_id, endpoint_id, sealed FROM endpoint_secrets"
            " WHERE endpoint_id = ANY($1::uuid[]) AND (expires_at IS NULL OR expires_at > now())"
            " ORDER BY endpoint_id, created_at DESC, id DESC",
            list(endpoint_ids),
        )
    )


async def delete_expired_secrets(conn: asyncpg.Connection) -> int:
    status = await conn.execute("DELETE FROM endpoint_secrets WHERE expires_at <= now()")
    return int(status.split()[-1])
