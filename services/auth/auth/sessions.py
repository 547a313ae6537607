"""A user's own sessions (refresh-token families) and the org's audit trail."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from servelo_common.db import tenant_tx
from servelo_common.errors import NotFound
from servelo_common.identity import Identity
from servelo_common.pagination import PageRequest

from auth import repository as repo
from auth.context import Auth, session_of
from auth.service import end_other_sessions, end_session


async def list_sessions(ctx: Auth, ident: Identity) -> list[dict[str, Any]]:
    org_id, current = UUID(ident.org_id), session_of(ident)
    async with tenant_tx(ctx.pool, org_id) as conn:
        rows = await repo.list_sessions(conn, org_id=org_id, user_id=UUID(str(ident.user_id)))
    return [{**dict(r), "current": r["id"] == current} for r in rows]


async def revoke(ctx: Auth, ident: Identity, session_id: UUID) -> None:
    """End one of the caller's sessions; its access tokens are refused at once (the
    caller's own, if it is the current session: that is signing out)."""
    org_id, user_id = UUID(ident.org_id), UUID(str(ident.user_id))
    async with tenant_tx(ctx.pool, org_id) as conn:
        ended = await end_session(
            conn, org_id=org_id, session_id=session_id, user_id=user_id, reason="session_revoked"
        )
        if not ended:
            raise NotFound("Session not found")
        await repo.insert_audit(
            conn,
            org_id=org_id,
            action="session_revoked",
            actor_id=user_id,
            user_id=user_id,
            details={"session_id": str(session_id)},
        )


async def revoke_others(ctx: Auth, ident: Identity) -> None:
    """End every other session of the caller; the current one (and its token) goes on."""
    org_id, user_id = UUID(ident.org_id), UUID(str(ident.user_id))
    async with tenant_tx(ctx.pool, org_id) as conn:
        await end_other_sessions(
            conn, org_id=org_id, user_id=user_id, keep=session_of(ident), reason="sessions_revoked"
        )
        await repo.insert_audit(
            conn, org_id=org_id, action="sessions_revoked", actor_id=user_id, user_id=user_id
        )


async def audit(ctx: Auth, *, org_id: UUID, page: PageRequest) -> list[Any]:
    async with tenant_tx(ctx.pool, org_id) as conn:
        return await repo.list_audit(conn, org_id=org_id, limit=page.limit, cursor=page.cursor)
