"""The org's audit trail of sign-in and account events (written by the other use cases)."""

from __future__ import annotations

from servelo_common.db import tenant_tx
from servelo_common.identity import Identity
from servelo_common.pagination import PageRequest

from auth.domain.audit import AuditEntry
from auth.repository import audit as repo
from auth.service import Auth


async def list_audit(ctx: Auth, *, ident: Identity, page: PageRequest) -> list[AuditEntry]:
    """Newest first."""
    org_id = ident.org_uuid
    async with tenant_tx(ctx.pool, org_id) as conn:
        rows = await repo.list_audit(conn, org_id=org_id, limit=page.limit + 1, after=page.cursor)
    return [AuditEntry.from_row(r) for r in rows]
