"""An org's settings: a JSON column of its `orgs` row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import asyncpg


async def get_settings(
    conn: asyncpg.Connection, *, org_id: UUID, lock: bool = False
) -> dict[str, Any]:
    """The org's stored settings (`lock`: FOR UPDATE, to merge an update into them)."""
    suffix = " FOR UPDATE" if lock else ""
    stored = await conn.fetchval(
        f"SELECT settings FROM orgs WHERE id = $1{suffix}",  # noqa: S608
        org_id,
    )
    return dict(stored or {})


async def save_settings(
    conn: asyncpg.Connection, *, org_id: UUID, settings: Mapping[str, Any]
) -> None:
    await conn.execute(
        "UPDATE orgs SET settings = $2, updated_at = now() WHERE id = $1", org_id, dict(settings)
    )
