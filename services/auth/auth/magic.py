"""Passwordless sign-in: request a link by email, redeem it once for a token pair."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from servelo_common.db import tenant_tx
from servelo_common.errors import ApiError
from servelo_common.identity import Identity

from auth import repository as repo
from auth.context import Auth, Client
from auth.links import redeem, send_link
from auth.service import ACCOUNT_INACTIVE, open_session

REQUEST_ANSWER = "If an account exists for this email, a sign-in link has been sent."
INVALID_LINK = "Invalid or expired magic link"
# At most one mail per address per minute, whatever the caller does.
RESEND_AFTER = 60


async def request_link(ctx: Auth, tenant: Identity, *, email: str, client: Client) -> None:
    """Mail a 15-minute link to a known, not deactivated user; silent otherwise."""
    org_id = UUID(tenant.org_id)
    async with tenant_tx(ctx.pool, org_id) as conn:
        user = await repo.get_user_by_email(conn, org_id=org_id, email=email)
        if user is None or user["status"] == "deactivated":
            return
        # The row lock serializes concurrent requests for one address (one mail a minute).
        user = await repo.get_user(conn, org_id=org_id, user_id=user["id"], for_update=True)
        if user is None:
            return
        if await repo.recent_link_sent(
            conn, org_id=org_id, user_id=user["id"], seconds=RESEND_AFTER
        ):
            return
        org = await repo.get_org(conn, org_id=org_id)
        await send_link(conn, ctx.settings, org=org, user=user, purpose="login")
        await repo.insert_audit(
            conn, org_id=org_id, action="login_link_requested", user_id=user["id"], ip=client.ip
        )


async def verify(ctx: Auth, tenant: Identity, *, token: str, client: Client) -> dict[str, Any]:
    org_id = UUID(tenant.org_id)
    if not token or len(token) > 200:
        raise ApiError(401, INVALID_LINK)
    async with tenant_tx(ctx.pool, org_id) as conn:
        link = await redeem(conn, org_id=org_id, secret=token)
        if link is None:
            raise ApiError(401, INVALID_LINK)
        user = await repo.get_user(conn, org_id=org_id, user_id=link["user_id"], for_update=True)
        if user is None:
            raise ApiError(401, INVALID_LINK)
        if user["status"] == "deactivated":
            raise ApiError(403, ACCOUNT_INACTIVE)
        await repo.insert_audit(
            conn,
            org_id=org_id,
            action="login",
            user_id=user["id"],
            actor_id=user["id"],
            ip=client.ip,
            details={"method": "magic_link", "purpose": link["purpose"]},
        )
        return await open_session(
            ctx, conn, org_id=org_id, slug=tenant.org_slug, user_id=user["id"], client=client
        )
