"""`/api/admin/...`: system admins (admins of the system org) manage every org."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from servelo_common.http import body, caller, json, message, path_id
from servelo_common.pagination import page, page_request
from servelo_common.routing import api_route
from starlette.requests import Request
from starlette.responses import Response

from auth import members, orgs, sysadmin, users
from auth.context import auth
from auth.schemas import (
    AdminUserUpdate,
    OrgCreate,
    OrgPublic,
    OrgUpdate,
    SetPasswordInput,
    UserPublic,
)
from auth.user_routes import public


def _sysadmin(request: Request) -> UUID:
    ident = caller(request)
    orgs.require_system_admin(auth(request), ident)
    return UUID(str(ident.user_id))


async def _target(request: Request) -> tuple[UUID, UUID]:
    """The org named by `:slug` and the user named by `:id` (404 for either)."""
    org_id = await sysadmin.org_id_of(auth(request), request.path_params["slug"])
    return org_id, path_id(request, message=members.USER_NOT_FOUND)


async def create_org(request: Request) -> Response:
    """Create an org with its first admin."""
    _sysadmin(request)
    org = await orgs.create_org(auth(request), caller(request), await body(request, OrgCreate))
    return json(OrgPublic.model_validate(dict(org)), status=201)


async def list_orgs(request: Request) -> Response:
    """Every org with its user count and plan."""
    _sysadmin(request)
    pr = page_request(request, key_types=(datetime, UUID))
    rows = await sysadmin.list_orgs(auth(request), pr)
    items, headers = page(request, rows, pr, key=lambda r: (r["created_at"], str(r["id"])))
    return json([OrgPublic.model_validate(dict(r)) for r in items], headers=headers)


async def update_org(request: Request) -> Response:
    """Change an org's plan, name or active status (inactive = suspended)."""
    _sysadmin(request)
    data = await body(request, OrgUpdate)
    org = await sysadmin.update_org(auth(request), request.path_params["slug"], data.provided())
    return json(OrgPublic.model_validate(dict(org)))


async def delete_org(request: Request) -> Response:
    """Permanently delete an org and all its data."""
    _sysadmin(request)
    await sysadmin.delete_org(auth(request), request.path_params["slug"])
    return message("Organization deleted successfully")


async def list_org_users(request: Request) -> Response:
    """Every user of an org."""
    _sysadmin(request)
    org_id = await sysadmin.org_id_of(auth(request), request.path_params["slug"])
    pr = page_request(request, key_types=(datetime, UUID))
    rows = await users.list_users(auth(request), org_id=org_id, page=pr, role=None, status=None)
    items, headers = page(request, rows, pr, key=lambda r: (r["created_at"], str(r["id"])))
    return json([public(r) for r in items], headers=headers)


async def update_org_user(request: Request) -> Response:
    """Change a user's role or active status in any org."""
    actor = _sysadmin(request)
    org_id, user_id = await _target(request)
    data = await body(request, AdminUserUpdate)
    ctx = auth(request)
    user = None
    if data.role is not None:
        user = await members.update(
            ctx, org_id=org_id, user_id=user_id, actor_id=actor, changes={"role": data.role}
        )
    if data.active is True:
        user = await members.reactivate(ctx, org_id=org_id, user_id=user_id, actor_id=actor)
    elif data.active is False:
        user = await members.deactivate(ctx, org_id=org_id, user_id=user_id, actor_id=actor)
    if user is None:
        user = await users.get(ctx, org_id=org_id, user_id=user_id)
    return json(public(user))


async def set_org_user_password(request: Request) -> Response:
    """Force-set the password of a user in any org."""
    actor = _sysadmin(request)
    org_id, user_id = await _target(request)
    data = await body(request, SetPasswordInput)
    await members.set_password(
        auth(request), org_id=org_id, user_id=user_id, password=data.password, actor_id=actor
    )
    return message("Password updated successfully")


async def delete_org_user(request: Request) -> Response:
    """Permanently delete a user from any org."""
    actor = _sysadmin(request)
    org_id, user_id = await _target(request)
    await members.delete(auth(request), org_id=org_id, user_id=user_id, actor_id=actor)
    return message("User deleted successfully")


ROUTES = [
    api_route(
        "/api/admin/orgs",
        create_org,
        methods=["POST"],
        body=OrgCreate,
        response=OrgPublic,
        status=201,
        tags=["admin"],
    ),
    api_route(
        "/api/admin/orgs",
        list_orgs,
        methods=["GET"],
        response=OrgPublic,
        list_response=True,
        tags=["admin"],
    ),
    api_route(
        "/api/admin/orgs/{slug}",
        update_org,
        methods=["PUT"],
        body=OrgUpdate,
        response=OrgPublic,
        tags=["admin"],
    ),
    api_route("/api/admin/orgs/{slug}", delete_org, methods=["DELETE"], tags=["admin"]),
    api_route(
        "/api/admin/orgs/{slug}/users",
        list_org_users,
        methods=["GET"],
        response=UserPublic,
        list_response=True,
        tags=["admin"],
    ),
    api_route(
        "/api/admin/orgs/{slug}/users/{id}",
        update_org_user,
        methods=["PUT"],
        body=AdminUserUpdate,
        response=UserPublic,
        tags=["admin"],
    ),
    api_route(
        "/api/admin/orgs/{slug}/users/{id}", delete_org_user, methods=["DELETE"], tags=["admin"]
    ),
    api_route(
        "/api/admin/orgs/{slug}/users/{id}/set-password",
        set_org_user_password,
        methods=["POST"],
        body=SetPasswordInput,
        tags=["admin"],
    ),
]
