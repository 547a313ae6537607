"""Job roles: `/api/roles[/{id}]`, integer ids numbered per org."""

from __future__ import annotations

from servelo_common.errors import NotFound
from servelo_common.http import body, caller, json, message, require_role, update_body
from servelo_common.idempotency import idempotent
from servelo_common.pagination import page_request, page_response
from servelo_common.routing import IDEMPOTENCY_KEY, Tag, api_route
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from team.domain import PLANNERS
from team.domain.roles import parse_int_id
from team.schemas.roles import RoleCreate, RolePublic
from team.service import roles


def _role_id(request: Request) -> int:
    value = parse_int_id(str(request.path_params["id"]))
    if value is None:
        raise NotFound(roles.NOT_FOUND)
    return value


async def list_roles(request: Request) -> Response:
    """List the org's job roles by name."""
    ident = caller(request)
    pr = page_request(request, key_types=(str, int), sync_id=int)
    found = await roles.list_roles(request.state.db, ident=ident, page=pr)
    return page_response(request, found, pr, lambda r: (r.name, r.id), RolePublic)


async def create_role(request: Request) -> Response:
    """Create a job role; its name is unique in the org."""
    ident = require_role(request, *PLANNERS)

    async def run() -> Response:
        data = await body(request, RoleCreate)
        role = await roles.create_role(request.state.db, ident=ident, data=data)
        return json(RolePublic.model_validate(role), status=201)

    return await idempotent(request, run)


async def get_role(request: Request) -> Response:
    """Get one job role."""
    ident = caller(request)
    role = await roles.get_role(request.state.db, ident=ident, role_id=_role_id(request))
    return json(RolePublic.model_validate(role))


async def update_role(request: Request) -> Response:
    """Rename a job role."""
    ident = require_role(request, *PLANNERS)
    role_id, pool = _role_id(request), request.state.db
    data = await update_body(
        request, RoleCreate, lambda: roles.get_role(pool, ident=ident, role_id=role_id)
    )
    role = await roles.update_role(pool, ident=ident, role_id=role_id, data=data)
    return json(RolePublic.model_validate(role))


async def delete_role(request: Request) -> Response:
    """Delete a job role no team member holds (409 while one does)."""
    ident = require_role(request, *PLANNERS)
    await roles.delete_role(request.state.db, ident=ident, role_id=_role_id(request))
    return message("Role deleted successfully")


TAGS = [
    Tag(
        "roles",
        "Job roles team members hold (integer ids, numbered per org); a name is unique in the org.",
    )
]
ROLE_ID = {"id": "integer"}
ROUTES: list[Route] = [
    api_route(
        "/api/roles",
        list_roles,
        methods=["GET"],
        response=RolePublic,
        list_response=True,
        sync=True,
        tags=TAGS,
    ),
    api_route(
        "/api/roles",
        create_role,
        methods=["POST"],
        body=RoleCreate,
        response=RolePublic,
        status=201,
        headers=[IDEMPOTENCY_KEY],
        errors=[409],
        tags=TAGS,
    ),
    api_route(
        "/api/roles/{id}",
        get_role,
        methods=["GET"],
        response=RolePublic,
        path_types=ROLE_ID,
        tags=TAGS,
    ),
    api_route(
        "/api/roles/{id}",
        update_role,
        methods=["PUT", "PATCH"],
        body=RoleCreate,
        response=RolePublic,
        path_types=ROLE_ID,
        errors=[409],
        tags=TAGS,
    ),
    api_route(
        "/api/roles/{id}",
        delete_role,
        methods=["DELETE"],
        path_types=ROLE_ID,
        errors=[409],
        tags=TAGS,
    ),
]
