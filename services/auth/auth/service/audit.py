"""The org's audit trail of sign-in and account events (written by the other use cases),
and those of its actions that are events of the tenant's feed (`domain.audit`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
from servelo_common.db import tenant_tx
from servelo_common.events import emit
from servelo_common.identity import Identity
from servelo_common.pagination import PageRequest

from auth.domain.audit import CAPPED, EVENTS_PER_MINUTE, AuditEntry, audit_event
from auth.repository import audit as repo
from auth.service import Auth


async def list_audit(ctx: Auth, *, ident: Identity, page: PageRequest) -> list[AuditEntry]:
    """Newest first."""
    org_id = ident.org_uuid
    async with tenant_tx(ctx.pool, org_id, readonly=True) as conn:
        rows = await repo.list_audit(conn, org_id=org_id, limit=page.limit + 1, after=page.cursor)
    return [AuditEntry.from_row(r) for r in rows]


async def record(
    conn: asyncpg.Connection,
    *,
    org_id: UUID,
    action: str,
    actor_id: UUID | None = None,
    user_id: UUID | None = None,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
) -> None:
    """An audit entry, and its event through the outbox in the same transaction when the
    action is one (failed and refused sign-ins: while the org's budget lasts)."""
    await repo.insert_audit(
        conn,
        org_id=org_id,
        action=action,
        actor_id=actor_id,
        user_id=user_id,
        details=details,
        ip=ip,
    )
    event = audit_event(action, user_id=user_id, actor_id=actor_id, details=details or {}, ip=ip)
    if event is None:
        return
    if action in CAPPED and not await repo.take_event_budget(
        conn, org_id=org_id, kind=action, per_minute=EVENTS_PER_MINUTE
    ):
        return
    await emit(conn, event, tenant=org_id, subject=user_id)
