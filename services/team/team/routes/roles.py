"""Job roles: `/api/roles[/{id}]`, integer ids numbered per org."""

from __future__ import annotations

from servelo_common.endpoints import (
    create_endpoint,
    delete_endpoint,
    get_endpoint,
    list_endpoint,
    update_endpoint,
)
from servelo_common.routing import IDEMPOTENCY_KEY, Tag, api_route
from starlette.routing import Route

from team.domain import PLANNERS
from team.domain.roles import parse_int_id
from team.schemas.roles import RoleCreate, RolePublic
from team.service import roles


def _role_id(raw: str) -> int:
    """A role's id from its path segment; ValueError (so 404) when it cannot name one."""
    value = parse_int_id(raw)
    if value is None:
        raise ValueError(raw)
    return value


list_roles = list_endpoint(
    roles.list_roles,
    public=RolePublic,
    key=lambda r: (r.name, r.id),
    key_types=(str, int),
    sync_id=int,
    doc="List the org's job roles by name.",
)
create_role = create_endpoint(
    roles.create_role,
    roles=PLANNERS,
    body=RoleCreate,
    public=RolePublic,
    idempotent=True,
    doc="Create a job role; its name is unique in the org.",
)
get_role = get_endpoint(
    roles.get_role,
    id="role_id",
    id_type=_role_id,
    not_found=roles.NOT_FOUND,
    public=RolePublic,
    doc="Get one job role.",
)
update_role = update_endpoint(
    roles.update_role,
    roles=PLANNERS,
    id="role_id",
    id_type=_role_id,
    not_found=roles.NOT_FOUND,
    body=RoleCreate,
    exists=roles.get_role,
    public=RolePublic,
    doc="Rename a job role.",
)
delete_role = delete_endpoint(
    roles.delete_role,
    roles=PLANNERS,
    id="role_id",
    id_type=_role_id,
    not_found=roles.NOT_FOUND,
    message="Role deleted successfully",
    doc="Delete a job role no team member holds (409 while one does).",
)


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
