"""An admin managing the org's users: list, invite, update (profile, role), deactivate,
reactivate, delete, force-set a password, send a sign-in link; and the active users anyone
may assign work to. A system admin acts on another org through the same functions, with
the identity `service.orgs.act_in` gives. The caller's own account: `service.account`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
from servelo_common.db import tenant_tx
from servelo_common.errors import ApiError, Conflict, found
from servelo_common.events import emit
from servelo_common.identity import Identity
from servelo_common.pagination import PageRequest

from auth import events
from auth.domain.magic_links import Purpose
from auth.domain.orgs import Org
from auth.domain.revocations import Scope
from auth.domain.users import Technician, User, UserStatus
from auth.repository import orgs as orgs_repo
from auth.repository import users as repo
from auth.schemas.orgs import AdminUserUpdate
from auth.schemas.users import (
    InviteInput,
    SetPasswordInput,
    UserQuery,
    UserUpdate,
)
from auth.service import Auth, actor_of, session_of
from auth.service import audit as audit_trail
from auth.service.magic_links import send_link
from auth.service.revocations import end_other_sessions, revoke, revoke_user

USER_NOT_FOUND = "User not found"


async def load_user(
    conn: asyncpg.Connection, *, org_id: UUID, user_id: UUID, for_update: bool = False
) -> User:
    row = await repo.get_user(conn, org_id=org_id, user_id=user_id, for_update=for_update)
    return User.from_row(found(row, USER_NOT_FOUND))


async def _org(conn: asyncpg.Connection, *, org_id: UUID) -> Org:
    row = await orgs_repo.get_org(conn, org_id=org_id)
    assert row is not None  # the tenant of a transaction that found its user
    return Org.from_row(row)


async def save_user(conn: asyncpg.Connection, user: User, **changes: Any) -> User:
    return User.from_row(
        await repo.update_user(conn, org_id=user.org_id, user_id=user.id, changes=changes)
    )


async def _guard_admins(
    conn: asyncpg.Connection, *, user: User, new_role: str | None, deactivating: bool
) -> None:
    await repo.lock_admins(conn, org_id=user.org_id)
    others = await repo.other_active_admins(conn, org_id=user.org_id, user_id=user.id)
    user.check_keeps_an_admin(
        new_role=new_role, deactivating=deactivating, other_active_admins=others
    )


async def replace_password(
    ctx: Auth,
    *,
    ident: Identity,
    user_id: UUID,
    password: str,
    action: str = "password_set",
    keep_session: UUID | None = None,
) -> None:
    """Replace the password (no current one needed) and end the user's sessions, with the
    access tokens they issued, except `keep_session` (the caller's own, when users set
    their own password: the token they hold keeps working)."""
    password_hash = await ctx.passwords.hash(password)
    org_id = ident.org_uuid
    async with tenant_tx(ctx.pool, org_id) as conn:
        user = await load_user(conn, org_id=org_id, user_id=user_id, for_update=True)
        await save_user(conn, user, password_hash=password_hash)
        if keep_session is None:
            await revoke_user(conn, org_id=org_id, user_id=user_id, reason=action)
        else:
            await end_other_sessions(
                conn, org_id=org_id, user_id=user_id, keep=keep_session, reason=action
            )
        await audit_trail.record(
            conn, org_id=org_id, action=action, actor_id=actor_of(ident), user_id=user_id
        )


async def get_user(ctx: Auth, *, ident: Identity, user_id: UUID) -> User:
    org_id = ident.org_uuid
    async with tenant_tx(ctx.pool, org_id, readonly=True) as conn:
        return await load_user(conn, org_id=org_id, user_id=user_id)


async def list_users(
    ctx: Auth, *, ident: Identity, query: UserQuery, page: PageRequest
) -> list[User]:
    org_id = ident.org_uuid
    async with tenant_tx(ctx.pool, org_id, readonly=True) as conn:
        rows = await repo.list_users(
            conn,
            org_id=org_id,
            role=query.role,
            status=query.status,
            limit=page.limit + 1,
            after=page.cursor,
            since=page.since,
        )
    return [User.from_row(r) for r in rows]


async def list_technicians(ctx: Auth, *, ident: Identity, page: PageRequest) -> list[Technician]:
    """Every active user (any role), by name: whom work can be assigned to."""
    org_id = ident.org_uuid
    async with tenant_tx(ctx.pool, org_id, readonly=True) as conn:
        rows = await repo.active_users(conn, org_id=org_id, limit=page.limit + 1, after=page.cursor)
    return [Technician.from_row(r) for r in rows]


async def invite_user(ctx: Auth, *, ident: Identity, data: InviteInput) -> User:
    """A new invited user, mailed a 7-day sign-in link (`user-invited`)."""
    org_id = ident.org_uuid
    async with tenant_tx(ctx.pool, org_id) as conn:
        row = await repo.insert_user(
            conn,
            org_id=org_id,
            email=data.email,
            name=data.name,
            role=data.role,
            status=UserStatus.INVITED,
            password_hash=None,
        )
        if row is None:
            raise Conflict("A user with this email already exists")
        user = User.from_row(row)
        await emit(conn, events.UserInvited.of(user), tenant=org_id, subject=user.id)
        await send_link(
            ctx, conn, org=await _org(conn, org_id=org_id), user=user, purpose=Purpose.INVITE
        )
        await audit_trail.record(
            conn,
            org_id=org_id,
            action="user_invited",
            actor_id=actor_of(ident),
            user_id=user.id,
            details={"email": data.email, "role": data.role},
        )
    return user


async def update_user(ctx: Auth, *, ident: Identity, user_id: UUID, data: UserUpdate) -> User:
    """Profile fields and role; a role change refuses the user's current access tokens
    (their role claim is stale) while their refresh tokens stay valid."""
    org_id = ident.org_uuid
    changes = data.provided()
    async with tenant_tx(ctx.pool, org_id) as conn:
        user = await load_user(conn, org_id=org_id, user_id=user_id, for_update=True)
        new_role = changes.get("role")
        role_changed = new_role is not None and new_role != user.role
        if role_changed:
            await _guard_admins(conn, user=user, new_role=new_role, deactivating=False)
        if "name" in changes and changes["name"] is None:
            raise ApiError(400, "Validation failed", errors={"name": ["The name is required."]})
        if "role" in changes and changes["role"] is None:
            changes.pop("role")
        if not changes:
            return user
        updated = await save_user(conn, user, **changes)
        await emit(conn, events.UserUpdated.of(updated), tenant=org_id, subject=user_id)
        if role_changed:
            # The role claim of their tokens is stale; their sessions stay (a refresh
            # signs the new role, read from the database).
            await revoke(
                conn, org_id=org_id, scope=Scope.USER, ids=[user_id], reason="role_changed"
            )
            await audit_trail.record(
                conn,
                org_id=org_id,
                action="role_changed",
                actor_id=actor_of(ident),
                user_id=user_id,
                details={"from": user.role, "to": new_role},
            )
        else:
            await audit_trail.record(
                conn,
                org_id=org_id,
                action="user_updated",
                actor_id=actor_of(ident),
                user_id=user_id,
                details={"fields": sorted(changes)},
            )
    return updated


async def update_access(
    ctx: Auth, *, ident: Identity, user_id: UUID, data: AdminUserUpdate
) -> User:
    """The system admin's change of a user: the role, then active (reactivate or
    deactivate), each with its own rules and events."""
    user = None
    if data.role is not None:
        role = UserUpdate.model_validate({"role": data.role})
        user = await update_user(ctx, ident=ident, user_id=user_id, data=role)
    if data.active is True:
        user = await reactivate_user(ctx, ident=ident, user_id=user_id)
    elif data.active is False:
        user = await deactivate_user(ctx, ident=ident, user_id=user_id)
    if user is None:
        user = await get_user(ctx, ident=ident, user_id=user_id)
    return user


async def deactivate_user(ctx: Auth, *, ident: Identity, user_id: UUID) -> User:
    """No sign-in, every token and session refused (`user-deactivated`); a no-op when the
    user is deactivated already."""
    org_id = ident.org_uuid
    async with tenant_tx(ctx.pool, org_id) as conn:
        user = await load_user(conn, org_id=org_id, user_id=user_id, for_update=True)
        status = user.deactivation()
        if status is None:
            return user
        await _guard_admins(conn, user=user, new_role=None, deactivating=True)
        user = await save_user(conn, user, status=status)
        at = await revoke_user(conn, org_id=org_id, user_id=user_id, reason="deactivated")
        await emit(
            conn,
            events.UserDeactivated.of(user, revoked_at=at),
            tenant=org_id,
            subject=user_id,
        )
        await audit_trail.record(
            conn,
            org_id=org_id,
            action="user_deactivated",
            actor_id=actor_of(ident),
            user_id=user_id,
        )
    return user


async def reactivate_user(ctx: Auth, *, ident: Identity, user_id: UUID) -> User:
    """A deactivated user may sign in again (`user-reactivated`); a no-op otherwise."""
    org_id = ident.org_uuid
    async with tenant_tx(ctx.pool, org_id) as conn:
        user = await load_user(conn, org_id=org_id, user_id=user_id, for_update=True)
        status = user.reactivation()
        if status is None:
            return user
        user = await save_user(conn, user, status=status)
        await emit(conn, events.UserReactivated.of(user), tenant=org_id, subject=user_id)
        await audit_trail.record(
            conn,
            org_id=org_id,
            action="user_reactivated",
            actor_id=actor_of(ident),
            user_id=user_id,
        )
    return user


async def delete_user(ctx: Auth, *, ident: Identity, user_id: UUID) -> None:
    org_id = ident.org_uuid
    async with tenant_tx(ctx.pool, org_id) as conn:
        user = await load_user(conn, org_id=org_id, user_id=user_id, for_update=True)
        await _guard_admins(conn, user=user, new_role=None, deactivating=True)
        at = await revoke_user(conn, org_id=org_id, user_id=user_id, reason="deleted")
        await repo.delete_user(conn, org_id=org_id, user_id=user_id)
        await emit(
            conn,
            events.UserDeleted(id=str(user_id), org_id=str(org_id), revoked_at=at),
            tenant=org_id,
            subject=user_id,
        )
        await audit_trail.record(
            conn,
            org_id=org_id,
            action="user_deleted",
            actor_id=actor_of(ident),
            user_id=user_id,
            details={"email": user.email},
        )


async def set_user_password(
    ctx: Auth, *, ident: Identity, user_id: UUID, data: SetPasswordInput
) -> None:
    """Force-set a user's password: every session of theirs ends, but the caller's own when
    admins set their own password."""
    own = user_id == actor_of(ident)
    await replace_password(
        ctx,
        ident=ident,
        user_id=user_id,
        password=data.password,
        keep_session=session_of(ident) if own else None,
    )


async def send_login_link(ctx: Auth, *, ident: Identity, user_id: UUID) -> None:
    """A 24-hour sign-in link mailed to the user, on an admin's request."""
    org_id = ident.org_uuid
    async with tenant_tx(ctx.pool, org_id) as conn:
        user = await load_user(conn, org_id=org_id, user_id=user_id)
        if not user.can_sign_in:
            raise ApiError(409, "User is deactivated")
        org = await _org(conn, org_id=org_id)
        await send_link(ctx, conn, org=org, user=user, purpose=Purpose.ADMIN_LOGIN)
        await audit_trail.record(
            conn, org_id=org_id, action="login_link_sent", actor_id=actor_of(ident), user_id=user_id
        )
