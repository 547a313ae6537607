"""`/api/users`, `/api/settings` and `/api/audit`: the org's users and settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from servelo_common.http import body, caller, json, json_body, message, path_id, require_role
from servelo_common.identity import Identity
from servelo_common.pagination import page, page_request
from servelo_common.routing import api_route
from starlette.requests import Request
from starlette.responses import Response

from auth import members, sessions, users
from auth import settings as org_settings
from auth.context import auth, session_of
from auth.domain import user_view
from auth.schemas import (
    AuditPublic,
    ChangePasswordInput,
    InviteInput,
    SetPasswordInput,
    TechnicianPublic,
    UserPublic,
    UserUpdate,
)
from auth.uploads import read_upload

NOT_FOUND = members.USER_NOT_FOUND
ROLES = {"admin", "manager", "technician"}
STATUSES = {"invited", "active", "deactivated"}


def _admin(request: Request) -> tuple[Identity, UUID, UUID]:
    ident = require_role(request, "admin")
    return ident, UUID(ident.org_id), UUID(str(ident.user_id))


def public(user: Any) -> UserPublic:
    return UserPublic.model_validate(user_view(user))


async def list_users(request: Request) -> Response:
    """Every user of the org with role, status and auth provider (admin)."""
    _, org_id, _ = _admin(request)
    pr = page_request(request, key_types=(datetime, UUID))
    role = request.query_params.get("role")
    status = request.query_params.get("status")
    rows = await users.list_users(
        auth(request),
        org_id=org_id,
        page=pr,
        role=role if role in ROLES else None,
        status=status if status in STATUSES else None,
    )
    items, headers = page(request, rows, pr, key=lambda r: (r["created_at"], str(r["id"])))
    return json([public(r) for r in items], headers=headers)


async def invite(request: Request) -> Response:
    """Invite a user by email with a 7-day link (admin)."""
    _, org_id, actor = _admin(request)
    data = await body(request, InviteInput)
    return json(
        public(await members.invite(auth(request), org_id=org_id, actor_id=actor, data=data)),
        status=201,
    )


async def technicians(request: Request) -> Response:
    """Active users available for ticket assignment."""
    ident = caller(request)
    pr = page_request(request, key_types=(str, UUID))
    rows = await users.technicians(auth(request), ident, pr)
    items, headers = page(request, rows, pr, key=lambda r: (r["name"], str(r["id"])))
    return json([TechnicianPublic.model_validate(dict(r)) for r in items], headers=headers)


async def get_preferences(request: Request) -> Response:
    """The current user's preferences."""
    return json(await users.preferences(auth(request), caller(request)))


async def put_preferences(request: Request) -> Response:
    """Deep-merge a JSON object into the current user's preferences."""
    ident = caller(request)
    return json(await users.merge_preferences(auth(request), ident, await json_body(request)))


async def upload_avatar(request: Request) -> Response:
    """Upload a profile photo (multipart field `file`)."""
    ident = caller(request)
    data = await read_upload(request, max_bytes=auth(request).settings.avatar_max_bytes)
    return json(public(await users.set_avatar(auth(request), ident, data)))


async def get_avatar(request: Request) -> Response:
    """A user's profile photo."""
    ident = caller(request)
    row = await users.avatar(
        auth(request),
        org_id=UUID(ident.org_id),
        user_id=path_id(request, message="Avatar not found"),
    )
    return Response(
        bytes(row["data"]),
        media_type=row["content_type"],
        headers={
            "Cache-Control": "private, max-age=86400",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'",
        },
    )


async def set_own_password(request: Request) -> Response:
    """Set a password on the current account (no current one needed)."""
    ident = caller(request)
    data = await body(request, SetPasswordInput)
    await users.set_own_password(auth(request), ident, data.password)
    return message("Password set successfully")


async def change_password(request: Request) -> Response:
    """Change the current user's password."""
    ident = caller(request)
    data = await body(request, ChangePasswordInput)
    await users.change_password(
        auth(request), ident, current=data.current_password, new=data.new_password
    )
    return message("Password changed successfully")


async def get_user(request: Request) -> Response:
    """One user of the org (admin)."""
    _, org_id, _ = _admin(request)
    user_id = path_id(request, message=NOT_FOUND)
    return json(public(await users.get(auth(request), org_id=org_id, user_id=user_id)))


async def update_user(request: Request) -> Response:
    """Update a user's name, role, phone, notes or avatar URL (admin)."""
    _, org_id, actor = _admin(request)
    user_id = path_id(request, message=NOT_FOUND)
    data = await body(request, UserUpdate)
    return json(
        public(
            await members.update(
                auth(request),
                org_id=org_id,
                user_id=user_id,
                actor_id=actor,
                changes=data.provided(),
            )
        )
    )


async def admin_set_password(request: Request) -> Response:
    """Force-set a user's password (admin); ends their sessions (but the caller's own)."""
    ident, org_id, actor = _admin(request)
    user_id = path_id(request, message=NOT_FOUND)
    data = await body(request, SetPasswordInput)
    await members.set_password(
        auth(request),
        org_id=org_id,
        user_id=user_id,
        password=data.password,
        actor_id=actor,
        keep_session=session_of(ident) if user_id == actor else None,
    )
    return message("Password updated successfully")


async def send_login_link(request: Request) -> Response:
    """Mail a 24-hour sign-in link to a user (admin)."""
    _, org_id, actor = _admin(request)
    user_id = path_id(request, message=NOT_FOUND)
    await members.send_login_link(auth(request), org_id=org_id, user_id=user_id, actor_id=actor)
    return message("Login link sent")


async def deactivate(request: Request) -> Response:
    """Deactivate a user: no sign-in, tokens refused (admin)."""
    _, org_id, actor = _admin(request)
    user_id = path_id(request, message=NOT_FOUND)
    return json(
        public(
            await members.deactivate(auth(request), org_id=org_id, user_id=user_id, actor_id=actor)
        )
    )


async def reactivate(request: Request) -> Response:
    """Reactivate a deactivated user (admin)."""
    _, org_id, actor = _admin(request)
    user_id = path_id(request, message=NOT_FOUND)
    return json(
        public(
            await members.reactivate(auth(request), org_id=org_id, user_id=user_id, actor_id=actor)
        )
    )


async def delete_user(request: Request) -> Response:
    """Permanently delete a user (admin)."""
    _, org_id, actor = _admin(request)
    user_id = path_id(request, message=NOT_FOUND)
    await members.delete(auth(request), org_id=org_id, user_id=user_id, actor_id=actor)
    return message("User deleted successfully")


async def get_settings(request: Request) -> Response:
    """All settings of the org."""
    ident = caller(request)
    return json(await org_settings.get(auth(request).pool, UUID(ident.org_id)))


async def put_settings(request: Request) -> Response:
    """Update one or more settings (admin)."""
    _, org_id, actor = _admin(request)
    data = await body(request, org_settings.SettingsUpdate)
    return json(await org_settings.update(auth(request).pool, org_id, data, actor))


async def audit(request: Request) -> Response:
    """The org's audit trail of sign-in and account events, newest first (admin)."""
    _, org_id, _ = _admin(request)
    pr = page_request(request, key_types=(datetime, UUID))
    rows = await sessions.audit(auth(request), org_id=org_id, page=pr)
    items, headers = page(request, rows, pr, key=lambda r: (r["created_at"], str(r["id"])))
    return json([AuditPublic.model_validate(dict(r)) for r in items], headers=headers)


ROUTES = [
    api_route(
        "/api/users",
        list_users,
        methods=["GET"],
        response=UserPublic,
        list_response=True,
        tags=["users"],
    ),
    api_route(
        "/api/users/invite",
        invite,
        methods=["POST"],
        body=InviteInput,
        response=UserPublic,
        status=201,
        tags=["users"],
    ),
    api_route(
        "/api/users/technicians",
        technicians,
        methods=["GET"],
        response=TechnicianPublic,
        list_response=True,
        tags=["users"],
    ),
    api_route("/api/users/preferences", get_preferences, methods=["GET"], tags=["users"]),
    api_route("/api/users/preferences", put_preferences, methods=["PUT"], tags=["users"]),
    api_route(
        "/api/users/me/avatar", upload_avatar, methods=["POST"], response=UserPublic, tags=["users"]
    ),
    api_route(
        "/api/users/me/set-password",
        set_own_password,
        methods=["POST"],
        body=SetPasswordInput,
        tags=["users"],
    ),
    api_route(
        "/api/users/me/change-password",
        change_password,
        methods=["POST"],
        body=ChangePasswordInput,
        tags=["users"],
    ),
    api_route("/api/users/{id}", get_user, methods=["GET"], response=UserPublic, tags=["users"]),
    api_route(
        "/api/users/{id}",
        update_user,
        methods=["PUT"],
        body=UserUpdate,
        response=UserPublic,
        tags=["users"],
    ),
    api_route("/api/users/{id}", delete_user, methods=["DELETE"], tags=["users"]),
    api_route("/api/users/{id}/avatar", get_avatar, methods=["GET"], tags=["users"]),
    api_route(
        "/api/users/{id}/set-password",
        admin_set_password,
        methods=["POST"],
        body=SetPasswordInput,
        tags=["users"],
    ),
    api_route("/api/users/{id}/send-login-link", send_login_link, methods=["POST"], tags=["users"]),
    api_route(
        "/api/users/{id}/deactivate",
        deactivate,
        methods=["PUT"],
        response=UserPublic,
        tags=["users"],
    ),
    api_route(
        "/api/users/{id}/reactivate",
        reactivate,
        methods=["PUT"],
        response=UserPublic,
        tags=["users"],
    ),
    api_route("/api/settings", get_settings, methods=["GET"], tags=["settings"]),
    api_route(
        "/api/settings",
        put_settings,
        methods=["PUT"],
        body=org_settings.SettingsUpdate,
        tags=["settings"],
    ),
    api_route(
        "/api/audit",
        audit,
        methods=["GET"],
        response=AuditPublic,
        list_response=True,
        tags=["audit"],
    ),
]
