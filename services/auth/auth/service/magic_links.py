"""Passwordless sign-in: a link asked for by email (made and mailed after the answer),
links sent with invitations or by an admin, and redeeming one, once, for a token pair."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
from servelo_common.db import system_tx, tenant_tx
from servelo_common.errors import ApiError
from servelo_common.events import emit
from servelo_common.identity import Identity
from servelo_common.mail import queue_mail

from auth import events
from auth.domain import Client
from auth.domain.magic_links import (
    INVALID_LINK,
    MAX_TOKEN_LENGTH,
    RESEND_AFTER,
    TTL_SECONDS,
    Purpose,
    RedeemedLink,
    link_mail,
)
from auth.domain.orgs import Org
from auth.domain.sessions import SessionTokens
from auth.domain.users import User
from auth.repository import magic_links as repo
from auth.repository import orgs as orgs_repo
from auth.repository import users as users_repo
from auth.schemas.magic_links import EmailInput
from auth.service import Auth
from auth.service import audit as audit_trail
from auth.service.sessions import open_session
from auth.tokens import digest, new_secret

log = logging.getLogger("auth.magic_links")
# Requests handled per pass of the worker (auth.link_requests).
BATCH = 50


async def send_link(
    ctx: Auth, conn: asyncpg.Connection, *, org: Org, user: User, purpose: Purpose
) -> None:
    """Create a link for `user` and queue the mail carrying it, in the caller's transaction
    (the link itself never travels on an event)."""
    secret = new_secret()
    await repo.insert_magic_link(
        conn,
        link_id=uuid.uuid4(),
        org_id=org.id,
        user_id=user.id,
        token_hash=digest(secret),
        purpose=purpose.value,
        expires_at=datetime.now(UTC) + timedelta(seconds=TTL_SECONDS[purpose]),
    )
    url = ctx.settings.public_url(org.slug, f"/api/auth/magic-link/verify?token={secret}")
    mail = link_mail(purpose, to=user.email, name=user.name, org_name=org.name, url=url)
    await queue_mail(conn, mail, org_id=org.id)
    if purpose is not Purpose.INVITE:
        await emit(
            conn,
            events.LoginLinkRequested(id=str(user.id), org_id=str(org.id), purpose=purpose.value),
            tenant=org.id,
            subject=user.id,
        )


async def request_link(ctx: Auth, *, ident: Identity, data: EmailInput, client: Client) -> None:
    """Queue the request and answer: one insert whatever the address, so the answer takes as
    long for an unknown email as for a known one. The link is made after (`work_off`)."""
    org_id = ident.org_uuid
    async with tenant_tx(ctx.pool, org_id) as conn:
        await repo.insert_link_request(conn, org_id=org_id, email=data.email, ip=client.ip)
    ctx.wake_link_requests()


async def _send_requested_link(
    ctx: Auth, conn: asyncpg.Connection, *, org_id: UUID, email: str, ip: str | None
) -> None:
    """Mail a 15-minute link to a known user who may sign in; silent otherwise."""
    row = await users_repo.get_user_by_email(conn, org_id=org_id, email=email)
    if row is None or not User.from_row(row).can_sign_in:
        return
    # The row lock serializes concurrent requests for one address (one mail a minute).
    row = await users_repo.get_user(conn, org_id=org_id, user_id=row["id"], for_update=True)
    if row is None:
        return
    user = User.from_row(row)
    if await repo.recent_link_sent(conn, org_id=org_id, user_id=user.id, seconds=RESEND_AFTER):
        return
    org_row = await orgs_repo.get_org(conn, org_id=org_id)
    assert org_row is not None  # the user row references it
    await send_link(ctx, conn, org=Org.from_row(org_row), user=user, purpose=Purpose.LOGIN)
    await audit_trail.record(
        conn, org_id=org_id, action="login_link_requested", user_id=user.id, ip=ip
    )


async def work_off(ctx: Auth) -> int:
    """Handle the waiting link requests (oldest first), each in the transaction that deletes
    it; returns how many were handled. A request that fails stays for the next pass (the
    janitor drops it after an hour)."""
    async with system_tx(ctx.pool) as conn:
        pending = await repo.pending_link_requests(conn, limit=BATCH)
    done = 0
    for row in pending:
        org_id = row["org_id"]
        try:
            async with tenant_tx(ctx.pool, org_id) as conn:
                request = await repo.take_link_request(conn, org_id=org_id, request_id=row["id"])
                if request is None:
                    continue  # another replica has it
                await _send_requested_link(
                    ctx, conn, org_id=org_id, email=request["email"], ip=request["ip"]
                )
        except Exception:
            log.warning("magic-link request failed", extra={"request": row["id"]}, exc_info=True)
            continue
        done += 1
    return done


async def verify_link(ctx: Auth, *, ident: Identity, token: str, client: Client) -> SessionTokens:
    """Redeem a link (once) for a token pair."""
    org_id = ident.org_uuid
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise ApiError(401, INVALID_LINK, code="invalid_link")
    async with tenant_tx(ctx.pool, org_id) as conn:
        row = await repo.use_magic_link(conn, org_id=org_id, token_hash=digest(token))
        if row is None:
            raise ApiError(401, INVALID_LINK, code="invalid_link")
        link = RedeemedLink.from_row(row)
        user_row = await users_repo.get_user(
            conn, org_id=org_id, user_id=link.user_id, for_update=True
        )
        if user_row is None:
            raise ApiError(401, INVALID_LINK, code="invalid_link")
        user = User.from_row(user_row)
        user.ensure_can_sign_in()
        how = {"method": "magic_link", "purpose": link.purpose.value}
        return await open_session(ctx, conn, ident=ident, user_id=user.id, client=client, how=how)
