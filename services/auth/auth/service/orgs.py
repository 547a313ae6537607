"""The tenant registry: the system admin's orgs (create with a first admin, list, change,
suspend, delete), the system org at start, and the gateway's view of the registry."""

from __future__ import annotations

import logging
import uuid
from typing import Any
from uuid import UUID

from servelo_common.db import acquire, system_tx, tenant_tx
from servelo_common.errors import ApiError, Conflict, NotFound, found
from servelo_common.events import emit
from servelo_common.identity import Identity
from servelo_common.pagination import PageRequest
from servelo_common.values import normalize_email

from auth import events
from auth.domain.magic_links import Purpose
from auth.domain.orgs import (
    ORG_NOT_FOUND,
    SLUG_TAKEN,
    Org,
    check_system_org_change,
    check_system_org_deletion,
)
from auth.domain.revocations import Scope
from auth.domain.users import User, UserStatus
from auth.repository import orgs as repo
from auth.repository import users as users_repo
from auth.schemas.orgs import OrgCreate, OrgUpdate
from auth.service import Auth
from auth.service import audit as audit_trail
from auth.service.magic_links import send_link
from auth.service.revocations import revoke

log = logging.getLogger("auth.orgs")
SYSTEM_ORG_NAME = "Servelo system"


def require_system_admin(ctx: Auth, ident: Identity) -> None:
    """The `/api/admin` routes: admins of the system org only (403 for anyone else)."""
    if ident.org_slug != ctx.settings.system_admin_org or ident.role != "admin":
        raise ApiError(403, "Forbidden")


async def _org_id(ctx: Auth, slug: str) -> UUID:
    async with acquire(ctx.pool) as conn:
        org_id = await repo.org_id_by_slug(conn, slug=slug)
    if org_id is None:
        raise NotFound(ORG_NOT_FOUND)
    return org_id


async def act_in(ctx: Auth, *, ident: Identity, slug: str) -> Identity:
    """The system admin acting in the org `slug` (404 when there is none): the tenant is
    that org, the actor (audit trail) the system admin, with no session there."""
    require_system_admin(ctx, ident)
    org_id = await _org_id(ctx, slug)
    return Identity(org_id=str(org_id), org_slug=slug, user_id=ident.user_id, role="admin")


async def _create(
    ctx: Auth, *, slug: str, name: str, plan: str, admin: dict[str, Any], password_hash: str | None
) -> Org | None:
    """The org and its first admin (active with a password, else invited by a link), in one
    transaction with their events; None when the slug is taken."""
    org_id = uuid.uuid4()
    async with tenant_tx(ctx.pool, org_id) as conn:
        row = await repo.insert_org(conn, org_id=org_id, slug=slug, name=name, plan=plan)
        if row is None:
            return None
        org = Org.counted(row)
        user_row = await users_repo.insert_user(
            conn,
            org_id=org_id,
            email=admin["email"],
            name=admin["name"],
            role="admin",
            status=UserStatus.ACTIVE if password_hash else UserStatus.INVITED,
            password_hash=password_hash,
        )
        assert user_row is not None  # a new org has no users yet
        user = User.from_row(user_row)
        await emit(conn, events.OrgCreated.of(org), tenant=org_id, subject=org_id)
        if password_hash:
            await emit(conn, events.UserCreated.of(user), tenant=org_id, subject=user.id)
        else:
            await emit(conn, events.UserInvited.of(user), tenant=org_id, subject=user.id)
            await send_link(ctx, conn, org=org, user=user, purpose=Purpose.INVITE)
        await audit_trail.record(
            conn, org_id=org_id, action="org_created", user_id=user.id, details={"slug": slug}
        )
    return org


async def create_org(ctx: Auth, *, ident: Identity, data: OrgCreate) -> Org:
    require_system_admin(ctx, ident)
    password = data.admin.password
    password_hash = await ctx.passwords.hash(password) if password else None
    org = await _create(
        ctx,
        slug=data.slug,
        name=data.name,
        plan=data.plan,
        admin=data.admin.model_dump(),
        password_hash=password_hash,
    )
    if org is None:
        raise Conflict(SLUG_TAKEN)
    return org


async def bootstrap(ctx: Auth) -> None:
    """Create the system org and its first admin when absent; replicas may race safely."""
    slug = ctx.settings.system_admin_org
    async with acquire(ctx.pool) as conn:
        if await repo.org_id_by_slug(conn, slug=slug) is not None:
            return
    secret = ctx.settings.bootstrap_admin_password
    try:
        email = normalize_email(ctx.settings.bootstrap_admin_email or "")
    except ValueError:
        email = ""
    if not email or secret is None or len(secret.get_secret_value()) < 8:
        raise RuntimeError(
            f"the system org {slug!r} does not exist: set SERVELO_BOOTSTRAP_ADMIN_EMAIL and"
            " SERVELO_BOOTSTRAP_ADMIN_PASSWORD (8+ characters) to create it"
        )
    password_hash = await ctx.passwords.hash(secret.get_secret_value())
    org = await _create(
        ctx,
        slug=slug,
        name=SYSTEM_ORG_NAME,
        plan="system",
        admin={"email": email, "name": "System admin"},
        password_hash=password_hash,
    )
    if org is not None:
        log.info("created the system org and its admin", extra={"slug": slug})


async def list_orgs(ctx: Auth, *, ident: Identity, page: PageRequest) -> list[Org]:
    """Newest first, with their user counts."""
    require_system_admin(ctx, ident)
    # Counting users crosses tenants: the one place that needs system_tx here.
    async with system_tx(ctx.pool) as conn:
        rows = await repo.list_orgs(conn, limit=page.limit + 1, after=page.cursor)
    return [Org.counted(r) for r in rows]


async def update_org(ctx: Auth, *, ident: Identity, slug: str, data: OrgUpdate) -> Org:
    """Name, plan, active (false: suspended, which refuses every token of the org)."""
    require_system_admin(ctx, ident)
    changes = {k: v for k, v in data.provided().items() if v is not None}
    check_system_org_change(
        is_system=slug == ctx.settings.system_admin_org,
        suspending=changes.get("active") is False,
    )
    org_id = await _org_id(ctx, slug)
    async with tenant_tx(ctx.pool, org_id) as conn:
        if changes:
            await repo.update_org(conn, org_id=org_id, changes=changes)
        row = await repo.get_org_by_slug(conn, slug=slug)
        if row is None:
            raise NotFound(ORG_NOT_FOUND)
        org = Org.counted(row)
        if changes:
            await emit(conn, events.OrgUpdated.of(org), tenant=org_id, subject=org_id)
            if changes.get("active") is False:
                # After the UPDATE took the row lock: a token being signed holds the row
                # FOR SHARE, so it either committed before (and is revoked here) or waits.
                await revoke(
                    conn, org_id=org_id, scope=Scope.ORG, ids=[org_id], reason="org_suspended"
                )
            await audit_trail.record(
                conn, org_id=org_id, action="org_updated", details=dict(changes)
            )
    return org


async def delete_org(ctx: Auth, *, ident: Identity, slug: str) -> None:
    """Every row of the org in auth goes in one transaction with `org-deleted`; the other
    services purge theirs when they receive it."""
    require_system_admin(ctx, ident)
    check_system_org_deletion(is_system=slug == ctx.settings.system_admin_org)
    org_id = await _org_id(ctx, slug)
    async with system_tx(ctx.pool) as conn:
        if not await repo.delete_org(conn, org_id=org_id):
            raise NotFound(ORG_NOT_FOUND)
        await emit(
            conn, events.OrgDeleted(id=str(org_id), slug=slug), tenant=org_id, subject=org_id
        )


async def registry(ctx: Auth) -> list[Org]:
    """Every org, for the gateway's tenant registry."""
    async with acquire(ctx.pool) as conn:
        rows = await repo.registry(conn)
    return [Org.from_row(r) for r in rows]


async def registry_entry(ctx: Auth, *, slug: str) -> Org:
    """One org by slug, for a gateway whose registry has not heard of it yet (404)."""
    async with acquire(ctx.pool) as conn:
        row = await repo.get_org_by_slug(conn, slug=slug)
    return Org.from_row(found(row, ORG_NOT_FOUND))
