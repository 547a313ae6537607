"""`/api/admin/...`: system admins (admins of the system org) manage every org and the
users of any org."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from servelo_common.http import body, caller, message, resource
from servelo_common.identity import Identity
from servelo_common.pagination import page_request, page_response
from servelo_common.routing import Tag, api_route
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth.routes import ctx_of
from auth.routes.users import user_id
from auth.schemas.orgs import AdminUserUpdate, OrgCreate, OrgPublic, OrgUpdate
from auth.schemas.users import SetPasswordInput, UserPublic, UserQuery
from auth.service import orgs, users

TAGS = [
    Tag(
        "admin",
        "System administration, for admins of the system org on its host: every org (create,"
        " suspend, delete) and the users of any org.",
    )
]
SLUG = {"slug": "string"}


def system_admin(request: Request) -> Identity:
    """Admins of the system org, on its host; 403 for everyone else."""
    ident = caller(request)
    orgs.require_system_admin(ctx_of(request), ident)
    return ident


async def acting_in_org(request: Request) -> Identity:
    """The system admin acting in the org named by `:slug` (404 when there is none)."""
    ident = system_admin(request)
    return await orgs.act_in(ctx_of(request), ident=ident, slug=request.path_params["slug"])


async def create_org(request: Request) -> Response:
    """Create an org with its first admin."""
    ident = system_admin(request)
    data = await body(request, OrgCreate)
    org = await orgs.create_org(ctx_of(request), ident=ident, data=data)
    return resource(OrgPublic, org, status=201)


async def list_orgs(request: Request) -> Response:
    """Every org with its user count and plan."""
    ident = system_admin(request)
    pr = page_request(request, key_types=(datetime, UUID))
    found = await orgs.list_orgs(ctx_of(request), ident=ident, page=pr)
    return page_response(
        request, found, pr, key=lambda o: (o.created_at, str(o.id)), model=OrgPublic
    )


async def update_org(request: Request) -> Response:
    """Change an org's plan, name or active status (inactive = suspended)."""
    ident = system_admin(request)
    data = await body(request, OrgUpdate)
    org = await orgs.update_org(
        ctx_of(request), ident=ident, slug=request.path_params["slug"], data=data
    )
    return resource(OrgPublic, org)


async def delete_org(request: Request) -> Response:
    """Permanently delete an org and all its data."""
    ident = system_admin(request)
    await orgs.delete_org(ctx_of(request), ident=ident, slug=request.path_params["slug"])
    return message("Organization deleted successfully")


async def list_org_users(request: Request) -> Response:
    """Every user of an org."""
    ident = await acting_in_org(request)
    pr = page_request(request, key_types=(datetime, UUID), sync_id=UUID)
    found = await users.list_users(ctx_of(request), ident=ident, query=UserQuery(), page=pr)
    return page_response(
        request, found, pr, key=lambda u: (u.created_at, str(u.id)), model=UserPublic
    )


async def update_org_user(request: Request) -> Response:
    """Change a user's role or active status in any org."""
    ident = await acting_in_org(request)
    target = user_id(request)
    data = await body(request, AdminUserUpdate)
    user = await users.update_access(ctx_of(request), ident=ident, user_id=target, data=data)
    return resource(UserPublic, user)


async def set_org_user_password(request: Request) -> Response:
    """Force-set the password of a user in any org."""
    ident = await acting_in_org(request)
    target = user_id(request)
    data = await body(request, SetPasswordInput)
    await users.set_user_password(ctx_of(request), ident=ident, user_id=target, data=data)
    return message("Password updated successfully")


async def delete_org_user(request: Request) -> Response:
    """Permanently delete a user from any org."""
    ident = await acting_in_org(request)
    await users.delete_user(ctx_of(request), ident=ident, user_id=user_id(request))
    return message("User deleted successfully")


ROUTES: list[Route] = [
    api_route(
        "/api/admin/orgs",
        create_org,
        methods=["POST"],
        body=OrgCreate,
        response=OrgPublic,
        status=201,
        errors=[409],
        tags=TAGS,
    ),
    api_route(
        "/api/admin/orgs",
        list_orgs,
        methods=["GET"],
        response=OrgPublic,
        list_response=True,
        tags=TAGS,
    ),
    api_route(
        "/api/admin/orgs/{slug}",
        update_org,
        methods=["PUT"],
        body=OrgUpdate,
        response=OrgPublic,
        path_types=SLUG,
        errors=[409],
        tags=TAGS,
    ),
    api_route(
        "/api/admin/orgs/{slug}",
        delete_org,
        methods=["DELETE"],
        path_types=SLUG,
        errors=[409],
        tags=TAGS,
    ),
    api_route(
        "/api/admin/orgs/{slug}/users",
        list_org_users,
        methods=["GET"],
        response=UserPublic,
        list_response=True,
        sync=True,
        path_types=SLUG,
        tags=TAGS,
    ),
    api_route(
        "/api/admin/orgs/{slug}/users/{id}",
        update_org_user,
        methods=["PUT"],
        body=AdminUserUpdate,
        response=UserPublic,
        path_types=SLUG,
        errors=[409],
        tags=TAGS,
    ),
    api_route(
        "/api/admin/orgs/{slug}/users/{id}",
        delete_org_user,
        methods=["DELETE"],
        path_types=SLUG,
        errors=[409],
        tags=TAGS,
    ),
    api_route(
        "/api/admin/orgs/{slug}/users/{id}/set-password",
        set_org_user_password,
        methods=["POST"],
        body=SetPasswordInput,
        path_types=SLUG,
        tags=TAGS,
    ),
]
