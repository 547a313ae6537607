"""Use cases on tickets, comments and photos; each one transaction: rows and outbox events
together. Every function has the one signature (docs/architecture.md): the pool (photos: a
`Tickets` context, the pool and the file storage), then keyword-only `ident`, the ids, then
`data` / `query` / `page`; they return domain objects (`tickets.domain`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from asyncpg import Pool
from servelo_common.identity import Identity
from servelo_common.jsonutil import iso_z
from servelo_common.storage import Storage

TICKET_NOT_FOUND = "Ticket not found"


@dataclass(frozen=True, slots=True)
class Tickets:
    """What the photo use cases need beyond the pool: where the files are."""

    pool: Pool
    storage: Storage


def plain(value: Any) -> Any:
    """The JSON form of a column value, as events carry it."""
    if isinstance(value, datetime):
        return iso_z(value)
    if isinstance(value, UUID):
        return str(value)
    return value


def actor(ident: Identity) -> tuple[UUID, UUID]:
    """The tenant and the signed-in user (every tickets route requires one)."""
    assert ident.user_uuid is not None
    return ident.org_uuid, ident.user_uuid
