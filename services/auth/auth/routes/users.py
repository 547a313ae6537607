"""An admin managing the org's users (`/api/users[/{id}[/...]]`), and the active users
anyone may assign work to (`/api/users/technicians`). The caller's own account:
`routes.account`."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from servelo_common.endpoints import (
    create_endpoint,
    delete_endpoint,
    get_endpoint,
    list_endpoint,
    update_endpoint,
)
from servelo_common.http import body, message, path_id, query, require_role, resource
from servelo_common.identity import Identity
from servelo_common.pagination import page_request, page_response
from servelo_common.routing import Tag, api_route
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth.routes import ctx_of
from auth.schemas.users import (
    InviteInput,
    SetPasswordInput,
    TechnicianPublic,
    UserPublic,
    UserQuery,
    UserUpdate,
)
from auth.service import users

TAGS = [
    Tag(
        "users",
        "The org's users (admins manage them: invite, roles, passwords, deactivation) and the"
        " caller's own account: preferences, avatar, password.",
    )
]


def user_id(request: Request) -> UUID:
    return path_id(request, message=users.USER_NOT_FOUND)


ADMIN = ("admin",)


def admin(request: Request) -> Identity:
    return require_role(request, *ADMIN)


# Written out: it reads the page before the filters, so a request with a bad `limit` and a
# bad filter is answered "Invalid limit" (`list_endpoint` reads the filters first).
async def list_users(request: Request) -> Response:
    """Every user of the org with role, status and auth provider (admin)."""
    ident = admin(request)
    pr = page_request(request, key_types=(datetime, UUID), sync_id=UUID)
    flt = query(request, UserQuery)
    found = await users.list_users(ctx_of(request), ident=ident, query=flt, page=pr)
    return page_response(
        request, found, pr, key=lambda u: (u.created_at, str(u.id)), model=UserPublic
    )


invite = create_endpoint(
    users.invite_user,
    name="invite",
    roles=ADMIN,
    context=ctx_of,
    body=InviteInput,
    public=UserPublic,
    doc="Invite a user by email with a 7-day link (admin).",
)
technicians = list_endpoint(
    users.list_technicians,
    name="technicians",
    context=ctx_of,
    public=TechnicianPublic,
    key=lambda t: (t.name, str(t.id)),
    key_types=(str, UUID),
    doc="Active users available for ticket assignment.",
)
get_user = get_endpoint(
    users.get_user,
    roles=ADMIN,
    context=ctx_of,
    id="user_id",
    not_found=users.USER_NOT_FOUND,
    public=UserPublic,
    doc="One user of the org (admin).",
)
update_user = update_endpoint(
    users.update_user,
    roles=ADMIN,
    context=ctx_of,
    id="user_id",
    not_found=users.USER_NOT_FOUND,
    body=UserUpdate,
    public=UserPublic,
    doc="Update a user's name, role, phone, notes or avatar URL (admin).",
)


async def admin_set_password(request: Request) -> Response:
    """Force-set a user's password (admin); ends their sessions (but the caller's own)."""
    ident = admin(request)
    target = user_id(request)
    data = await body(request, SetPasswordInput)
    await users.set_user_password(ctx_of(request), ident=ident, user_id=target, data=data)
    return message("Password updated successfully")


async def send_login_link(request: Request) -> Response:
    """Mail a 24-hour sign-in link to a user (admin)."""
    ident = admin(request)
    await users.send_login_link(ctx_of(request), ident=ident, user_id=user_id(request))
    return message("Login link sent")


async def deactivate(request: Request) -> Response:
    """Deactivate a user: no sign-in, tokens refused (admin)."""
    ident = admin(request)
    user = await users.deactivate_user(ctx_of(request), ident=ident, user_id=user_id(request))
    return resource(UserPublic, user)


async def reactivate(request: Request) -> Response:
    """Reactivate a deactivated user (admin)."""
    ident = admin(request)
    user = await users.reactivate_user(ctx_of(request), ident=ident, user_id=user_id(request))
    return resource(UserPublic, user)


delete_user = delete_endpoint(
    users.delete_user,
    roles=ADMIN,
    context=ctx_of,
    id="user_id",
    not_found=users.USER_NOT_FOUND,
    message="User deleted successfully",
    doc="Permanently delete a user (admin).",
)


ROUTES: list[Route] = [
    api_route(
        "/api/users",
        list_users,
        methods=["GET"],
        query=UserQuery,
        response=UserPublic,
        list_response=True,
        sync=True,
        tags=TAGS,
    ),
    api_route(
        "/api/users/invite",
        invite,
        methods=["POST"],
        body=InviteInput,
        response=UserPublic,
        status=201,
        errors=[409],
        tags=TAGS,
    ),
    # Before `/api/users/{id}`: these paths would match it.
    api_route(
        "/api/users/technicians",
        technicians,
        methods=["GET"],
        response=TechnicianPublic,
        list_response=True,
        tags=TAGS,
    ),
    api_route("/api/users/{id}", get_user, methods=["GET"], response=UserPublic, tags=TAGS),
    api_route(
        "/api/users/{id}",
        update_user,
        methods=["PUT"],
        body=UserUpdate,
        response=UserPublic,
        errors=[409],
        tags=TAGS,
    ),
    api_route("/api/users/{id}", delete_user, methods=["DELETE"], errors=[409], tags=TAGS),
    api_route(
        "/api/users/{id}/set-password",
        admin_set_password,
        methods=["POST"],
        body=SetPasswordInput,
        tags=TAGS,
    ),
    api_route(
        "/api/users/{id}/send-login-link",
        send_login_link,
        methods=["POST"],
        errors=[409],
        tags=TAGS,
    ),
    api_route(
        "/api/users/{id}/deactivate",
        deactivate,
        methods=["PUT"],
        response=UserPublic,
        errors=[409],
        tags=TAGS,
    ),
    api_route(
        "/api/users/{id}/reactivate", reactivate, methods=["PUT"], response=UserPublic, tags=TAGS
    ),
]
