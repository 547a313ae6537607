"""The tenant registry: creating orgs with their first admin, and the system org at start."""

from __future__ import annotations

import logging
import uuid
from typing import Any
from uuid import UUID

from servelo_common.db import Connection, tenant_tx
from servelo_common.errors import ApiError, Conflict
from servelo_common.events import emit
from servelo_common.identity import Identity
from servelo_common.values import normalize_email

from auth import events
from auth import repository as repo
from auth.context import Auth
from auth.links import send_link
from auth.schemas import OrgCreate

log = logging.getLogger("auth.orgs")


def require_system_admin(ctx: Auth, ident: Identity) -> None:
    """The `/api/admin` routes: admins of the system org only."""
    if ident.org_slug != ctx.settings.system_admin_org or ident.role != "admin":
        raise ApiError(403, "Forbidden")


async def _create(
    ctx: Auth,
    conn: Connection,
    *,
    org_id: UUID,
    slug: str,
    name: str,
    plan: str,
    admin: dict[str, Any],
    password_hash: str | None,
) -> Any | None:
    org = await conn.fetchrow(
        "INSERT INTO orgs (id, slug, name, plan) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (slug) DO NOTHING RETURNING *, 1::bigint AS user_count",
        org_id,
        slug,
        name,
        plan,
    )
    if org is None:
        return None
    status = "active" if password_hash else "invited"
    user = await repo.insert_user(
        conn,
        org_id=org_id,
        email=admin["email"],
        name=admin["name"],
        role="admin",
        status=status,
        password_hash=password_hash,
    )
    assert user is not None  # a new org has no users yet
    await emit(conn, events.OrgCreated(**events.org_fields(org)), tenant=org_id, subject=org_id)
    fields = events.user_fields(user)
    if password_hash:
        await emit(conn, events.UserCreated(**fields), tenant=org_id, subject=user["id"])
    else:
        await emit(conn, events.UserInvited(**fields), tenant=org_id, subject=user["id"])
        await send_link(conn, ctx.settings, org=org, user=user, purpose="invite")
    await repo.insert_audit(
        conn, org_id=org_id, action="org_created", user_id=user["id"], details={"slug": slug}
    )
    return org


async def create_org(ctx: Auth, ident: Identity, data: OrgCreate) -> Any:
    require_system_admin(ctx, ident)
    password = data.admin.password
    password_hash = await ctx.passwords.hash(password) if password else None
    org_id = uuid.uuid4()
    async with tenant_tx(ctx.pool, org_id) as conn:
        org = await _create(
            ctx,
            conn,
            org_id=org_id,
            slug=data.slug,
            name=data.name,
            plan=data.plan,
            admin=data.admin.model_dump(),
            password_hash=password_hash,
        )
    if org is None:
        raise Conflict("An organization with this slug already exists")
    return org


async def bootstrap(ctx: Auth) -> None:
    """Create the system org and its first admin when absent; replicas may race safely."""
    slug = ctx.settings.system_admin_org
    async with ctx.pool.acquire() as conn:
        if await conn.fetchval("SELECT 1 FROM orgs WHERE slug = $1", slug):
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
    org_id = uuid.uuid4()
    async with tenant_tx(ctx.pool, org_id) as conn:
        org = await _create(
            ctx,
            conn,
            org_id=org_id,
            slug=slug,
            name="Servelo system",
            plan="system",
            admin={"email": email, "name": "System admin"},
            password_hash=password_hash,
        )
    if org is not None:
        log.info("created the system org and its admin", extra={"slug": slug})
