"""An admin managing the users of one org (the org's admins, or a system admin)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from servelo_common.db import Connection, tenant_tx
from servelo_common.errors import ApiError, Conflict, NotFound
from servelo_common.events import emit

from auth import events
from auth import repository as repo
from auth.context import Auth
from auth.domain import check_last_admin
from auth.links import send_link
from auth.schemas import InviteInput
from auth.service import end_other_sessions, revoke, revoke_user

USER_NOT_FOUND = "User not found"


async def user_in_org(
    conn: Connection, *, org_id: UUID, user_id: UUID, for_update: bool = False
) -> Any:
    user = await repo.get_user(conn, org_id=org_id, user_id=user_id, for_update=for_update)
    if user is None:
        raise NotFound(USER_NOT_FOUND)
    return user


async def _guard_admins(
    conn: Connection, *, org_id: UUID, user: Any, new_role: str | None, deactivating: bool
) -> None:
    await repo.lock_admins(conn, org_id=org_id)
    others = await repo.other_active_admins(conn, org_id=org_id, user_id=user["id"])
    check_last_admin(
        current_role=user["role"],
        current_status=user["status"],
        new_role=new_role,
        deactivating=deactivating,
        other_active_admins=others,
    )


async def invite(ctx: Auth, *, org_id: UUID, actor_id: UUID | None, data: InviteInput) -> Any:
    async with tenant_tx(ctx.pool, org_id) as conn:
        user = await repo.insert_user(
            conn,
            org_id=org_id,
            email=data.email,
            name=data.name,
            role=data.role,
            status="invited",
            password_hash=None,
        )
        if user is None:
            raise Conflict("A user with this email already exists")
        org = await repo.get_org(conn, org_id=org_id)
        await emit(
            conn, events.UserInvited(**events.user_fields(user)), tenant=org_id, subject=user["id"]
        )
        await send_link(conn, ctx.settings, org=org, user=user, purpose="invite")
        await repo.insert_audit(
            conn,
            org_id=org_id,
            action="user_invited",
            actor_id=actor_id,
            user_id=user["id"],
            details={"email": data.email, "role": data.role},
        )
    return user


async def set_password(
    ctx: Auth,
    *,
    org_id: UUID,
    user_id: UUID,
    password: str,
    actor_id: UUID | None,
    action: str = "password_set",
    keep_session: UUID | None = None,
) -> None:
    """Replace the password (no current one needed) and end the user's sessions, with the
    access tokens they issued, except `keep_session` (the caller's own, when users set
    their own password: the token they hold keeps working)."""
    password_hash = await ctx.passwords.hash(password)
    async with tenant_tx(ctx.pool, org_id) as conn:
        await user_in_org(conn, org_id=org_id, user_id=user_id, for_update=True)
        await repo.update_user(conn, org_id=org_id, user_id=user_id, password_hash=password_hash)
        if keep_session is None:
            await revoke_user(conn, org_id=org_id, user_id=user_id, reason=action)
        else:
            await end_other_sessions(
                conn, org_id=org_id, user_id=user_id, keep=keep_session, reason=action
            )
        await repo.insert_audit(
            conn, org_id=org_id, action=action, actor_id=actor_id, user_id=user_id
        )


async def update(
    ctx: Auth, *, org_id: UUID, user_id: UUID, actor_id: UUID | None, changes: dict[str, Any]
) -> Any:
    """Profile fields and role; a role change refuses the user's current access tokens
    (their role claim is stale) while their refresh tokens stay valid."""
    async with tenant_tx(ctx.pool, org_id) as conn:
        user = await user_in_org(conn, org_id=org_id, user_id=user_id, for_update=True)
        new_role = changes.get("role")
        role_changed = new_role is not None and new_role != user["role"]
        if role_changed:
            await _guard_admins(
                conn, org_id=org_id, user=user, new_role=new_role, deactivating=False
            )
        if "name" in changes and changes["name"] is None:
            raise ApiError(400, "Validation failed", errors={"name": ["The name is required."]})
        if "role" in changes and changes["role"] is None:
            changes.pop("role")
        if not changes:
            return user
        updated = await repo.update_user(conn, org_id=org_id, user_id=user_id, **changes)
        await emit(
            conn, events.UserUpdated(**events.user_fields(updated)), tenant=org_id, subject=user_id
        )
        if role_changed:
            # The role claim of their tokens is stale; their sessions stay (a refresh
            # signs the new role, read from the database).
            await revoke(conn, org_id=org_id, scope="user", ids=[user_id], reason="role_changed")
            await repo.insert_audit(
                conn,
                org_id=org_id,
                action="role_changed",
                actor_id=actor_id,
                user_id=user_id,
                details={"from": user["role"], "to": new_role},
            )
        else:
            await repo.insert_audit(
                conn,
                org_id=org_id,
                action="user_updated",
                actor_id=actor_id,
                user_id=user_id,
                details={"fields": sorted(changes)},
            )
    return updated


async def deactivate(ctx: Auth, *, org_id: UUID, user_id: UUID, actor_id: UUID | None) -> Any:
    async with tenant_tx(ctx.pool, org_id) as conn:
        user = await user_in_org(conn, org_id=org_id, user_id=user_id, for_update=True)
        if user["status"] == "deactivated":
            return user
        await _guard_admins(conn, org_id=org_id, user=user, new_role=None, deactivating=True)
        user = await repo.update_user(conn, org_id=org_id, user_id=user_id, status="deactivated")
        at = await revoke_user(conn, org_id=org_id, user_id=user_id, reason="deactivated")
        await emit(
            conn,
            events.UserDeactivated(**events.user_fields(user), revoked_at=at),
            tenant=org_id,
            subject=user_id,
        )
        await repo.insert_audit(
            conn, org_id=org_id, action="user_deactivated", actor_id=actor_id, user_id=user_id
        )
    return user


async def reactivate(ctx: Auth, *, org_id: UUID, user_id: UUID, actor_id: UUID | None) -> Any:
    async with tenant_tx(ctx.pool, org_id) as conn:
        user = await user_in_org(conn, org_id=org_id, user_id=user_id, for_update=True)
        if user["status"] != "deactivated":
            return user
        user = await repo.update_user(conn, org_id=org_id, user_id=user_id, status="active")
        await emit(
            conn, events.UserReactivated(**events.user_fields(user)), tenant=org_id, subject=user_id
        )
        await repo.insert_audit(
            conn, org_id=org_id, action="user_reactivated", actor_id=actor_id, user_id=user_id
        )
    return user


async def delete(ctx: Auth, *, org_id: UUID, user_id: UUID, actor_id: UUID | None) -> None:
    async with tenant_tx(ctx.pool, org_id) as conn:
        user = await user_in_org(conn, org_id=org_id, user_id=user_id, for_update=True)
        await _guard_admins(conn, org_id=org_id, user=user, new_role=None, deactivating=True)
        at = await revoke_user(conn, org_id=org_id, user_id=user_id, reason="deleted")
        await repo.delete_user(conn, org_id=org_id, user_id=user_id)
        await emit(
            conn,
            events.UserDeleted(id=str(user_id), org_id=str(org_id), revoked_at=at),
            tenant=org_id,
            subject=user_id,
        )
        await repo.insert_audit(
            conn,
            org_id=org_id,
            action="user_deleted",
            actor_id=actor_id,
            user_id=user_id,
            details={"email": user["email"]},
        )


async def send_login_link(ctx: Auth, *, org_id: UUID, user_id: UUID, actor_id: UUID | None) -> None:
    """A 24-hour sign-in link mailed to the user, on an admin's request."""
    async with tenant_tx(ctx.pool, org_id) as conn:
        user = await user_in_org(conn, org_id=org_id, user_id=user_id)
        if user["status"] == "deactivated":
            raise ApiError(409, "User is deactivated")
        org = await repo.get_org(conn, org_id=org_id)
        await send_link(conn, ctx.settings, org=org, user=user, purpose="admin_login")
        await repo.insert_audit(
            conn, org_id=org_id, action="login_link_sent", actor_id=actor_id, user_id=user_id
        )
