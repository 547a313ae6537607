"""A user's own sessions (refresh-token families) and the org's audit trail."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from servelo_common.db import tenant_tx
from servelo_common.errors import NotFound
from servelo_common.identity import Identity
from servelo_common.pagination import PageRequest

from auth import repository as repo
from auth.context import Auth
from auth.service import revoke_user


def _current(ident: Identity) -> UUID | None:
    try:
        return UUID(ident.session_id) if ident.session_id else None
    except ValueError:
        return None


async def list_sessions(ctx: Auth, ident: Identity) -> list[dict[str, Any]]:
    org_id, current = UUID(ident.org_id), _current(ident)
    async with tenant_tx(ctx.pool, org_id) as conn:
        rows = await repo.list_sessions(conn, org_id=org_id, user_id=UUID(str(ident.user_id)))
    return [{**dict(r), "current": r["id"] == current} for r in rows]


async def revoke(ctx: Auth, ident: Identity, session_id: UUID) -> str | None:
    """End one of the caller's sessions; its access tokens are refused too (the gateway
    revokes per user, so the caller gets a fresh access token for their own session)."""
    org_id, user_id = UUID(ident.org_id), UUID(str(ident.user_id))
    async with tenant_tx(ctx.pool, org_id) as conn:
        if not await repo.revoke_session(
            conn, org_id=org_id, session_id=session_id, user_id=user_id
        ):
            raise NotFound("Session not found")
        await revoke_user(conn, org_id=org_id, user_id=user_id, end_sessions=False)
        await repo.insert_audit(
            conn,
            org_id=org_id,
            action="session_revoked",
            actor_id=user_id,
            user_id=user_id,
            details={"session_id": str(session_id)},
        )
    return _fresh_token(ctx, ident, skip=session_id)


async def revoke_others(ctx: Auth, ident: Identity) -> str | None:
    org_id, user_id, current = UUID(ident.org_id), UUID(str(ident.user_id)), _current(ident)
    async with tenant_tx(ctx.pool, org_id) as conn:
        if current is None:
            await revoke_user(conn, org_id=org_id, user_id=user_id)
        else:
            await revoke_user(conn, org_id=org_id, user_id=user_id, keep=current)
        await repo.insert_audit(
            conn, org_id=org_id, action="sessions_revoked", actor_id=user_id, user_id=user_id
        )
    return _fresh_token(ctx, ident, skip=None)


def _fresh_token(ctx: Auth, ident: Identity, *, skip: UUID | None) -> str | None:
    """A new access token for the caller's own session, issued after the revocation."""
    current = _current(ident)
    if current is None or current == skip or ident.role is None:
        return None
    return ctx.signer.sign(
        user_id=str(ident.user_id), org=ident.org_slug, role=ident.role, session_id=str(current)
    )


async def audit(ctx: Auth, *, org_id: UUID, page: PageRequest) -> list[Any]:
    async with tenant_tx(ctx.pool, org_id) as conn:
        return await repo.list_audit(conn, org_id=org_id, limit=page.limit, cursor=page.cursor)
