"""Team members, roles and utilization routes; ROUTES is the whole team API."""

from __future__ import annotations

from uuid import UUID

from servelo_common.db import tenant_tx
from servelo_common.errors import NotFound
from servelo_common.http import body, caller, json, message, path_id, query, require_role
from servelo_common.idempotency import idempotent
from servelo_common.routing import api_route
from starlette.requests import Request
from starlette.responses import Response

from team import repository as repo
from team import service
from team.domain import parse_int_id
from team.planning_routes import PLANNING_ROUTES
from team.schemas import (
    DateWindow,
    RoleCreate,
    RolePublic,
    TeamMemberCreate,
    TeamMemberFilter,
    TeamMemberPublic,
    TeamMemberUpdate,
    UtilizationPublic,
)
from team.web import TAGS, WRITERS, listing, org, page_of, update_body


def member_id(request: Request) -> UUID:
    return path_id(request, message=service.MEMBER_NOT_FOUND)


def role_id(request: Request) -> int:
    value = parse_int_id(str(request.path_params["id"]))
    if value is None:
        raise NotFound(service.ROLE_NOT_FOUND)
    return value


async def list_roles(request: Request) -> Response:
    """List the org's job roles by name."""
    ident = caller(request)
    pr = page_of(request, (str, int))
    async with tenant_tx(request.state.db, ident.org_id) as conn:
        rows = await repo.list_roles(conn, org_id=org(ident), limit=pr.limit + 1, after=pr.cursor)
    return listing(
        request,
        rows,
        pr,
        lambda r: (r["name"], r["id"]),
        lambda r: RolePublic.model_validate(dict(r)),
    )


async def create_role(request: Request) -> Response:
    """Create a job role; its name is unique in the org."""
    ident = require_role(request, *WRITERS)

    async def run() -> Response:
        data = await body(request, RoleCreate)
        return json(await service.create_role(request.state.db, org(ident), data), status=201)

    return await idempotent(request, run)


async def get_role(request: Request) -> Response:
    """Get one job role."""
    ident = caller(request)
    rid = role_id(request)
    async with tenant_tx(request.state.db, ident.org_id) as conn:
        row = await repo.get_role(conn, org_id=org(ident), role_id=rid)
    if row is None:
        raise NotFound(service.ROLE_NOT_FOUND)
    return json(RolePublic.model_validate(dict(row)))


async def update_role(request: Request) -> Response:
    """Rename a job role."""
    ident = require_role(request, *WRITERS)
    rid = role_id(request)
    data = await update_body(
        request,
        RoleCreate,
        ident,
        lambda conn: repo.get_role(conn, org_id=org(ident), role_id=rid),
        service.ROLE_NOT_FOUND,
    )
    return json(await service.update_role(request.state.db, org(ident), rid, data))


async def delete_role(request: Request) -> Response:
    """Delete a job role no team member holds (409 while one does)."""
    ident = require_role(request, *WRITERS)
    await service.delete_role(request.state.db, org(ident), role_id(request))
    return message("Role deleted successfully")


async def list_members(request: Request) -> Response:
    """List team members by name; `active=1|0` filters on the active flag."""
    ident = caller(request)
    flt = query(request, TeamMemberFilter)
    pr = page_of(request, (str, UUID))
    async with tenant_tx(request.state.db, ident.org_id) as conn:
        rows = await repo.list_members(
            conn, org_id=org(ident), active=flt.active, limit=pr.limit + 1, after=pr.cursor
        )
    return listing(request, rows, pr, lambda r: (r["name"], r["id"]), service.member_out)


async def create_member(request: Request) -> Response:
    """Create a team member with name, role and hourly rate."""
    ident = require_role(request, *WRITERS)

    async def run() -> Response:
        data = await body(request, TeamMemberCreate)
        member = await service.create_member(request.state.db, org(ident), data)
        return json(member, status=201)

    return await idempotent(request, run)


async def get_member(request: Request) -> Response:
    """Get one team member."""
    ident = caller(request)
    mid = member_id(request)
    async with tenant_tx(request.state.db, ident.org_id) as conn:
        row = await repo.get_member(conn, org_id=org(ident), member_id=mid)
    if row is None:
        raise NotFound(service.MEMBER_NOT_FOUND)
    return json(service.member_out(row))


async def update_member(request: Request) -> Response:
    """Update a team member; a new hourly rate applies from today (UTC)."""
    ident = require_role(request, *WRITERS)
    mid = member_id(request)
    data = await update_body(
        request,
        TeamMemberUpdate,
        ident,
        lambda conn: repo.get_member(conn, org_id=org(ident), member_id=mid),
        service.MEMBER_NOT_FOUND,
    )
    return json(await service.update_member(request.state.db, org(ident), mid, data))


async def delete_member(request: Request) -> Response:
    """Delete a team member that has no allocations and no actuals."""
    ident = require_role(request, *WRITERS)
    await service.delete_member(request.state.db, org(ident), member_id(request))
    return message("Team member deleted successfully")


async def member_utilization(request: Request) -> Response:
    """Allocated vs actual hours and their cost at the rate in force each day."""
    ident = caller(request)
    mid = member_id(request)
    window = query(request, DateWindow)
    return json(
        await service.utilization(request.state.db, org(ident), mid, window.start, window.end)
    )


_T = TAGS
ROUTES = [
    api_route(
        "/api/roles", list_roles, methods=["GET"], response=RolePublic, list_response=True, tags=_T
    ),
    api_route(
        "/api/roles",
        create_role,
        methods=["POST"],
        body=RoleCreate,
        response=RolePublic,
        status=201,
        tags=_T,
    ),
    api_route("/api/roles/{id}", get_role, methods=["GET"], response=RolePublic, tags=_T),
    api_route(
        "/api/roles/{id}",
        update_role,
        methods=["PUT", "PATCH"],
        body=RoleCreate,
        response=RolePublic,
        tags=_T,
    ),
    api_route("/api/roles/{id}", delete_role, methods=["DELETE"], tags=_T),
    api_route(
        "/api/team-members",
        list_members,
        methods=["GET"],
        response=TeamMemberPublic,
        list_response=True,
        tags=_T,
    ),
    api_route(
        "/api/team-members",
        create_member,
        methods=["POST"],
        body=TeamMemberCreate,
        response=TeamMemberPublic,
        status=201,
        tags=_T,
    ),
    api_route(
        "/api/team-members/{id}", get_member, methods=["GET"], response=TeamMemberPublic, tags=_T
    ),
    api_route(
        "/api/team-members/{id}",
        update_member,
        methods=["PUT", "PATCH"],
        body=TeamMemberUpdate,
        response=TeamMemberPublic,
        tags=_T,
    ),
    api_route("/api/team-members/{id}", delete_member, methods=["DELETE"], tags=_T),
    api_route(
        "/api/team-members/{id}/utilization",
        member_utilization,
        methods=["GET"],
        response=UtilizationPublic,
        tags=_T,
    ),
    *PLANNING_ROUTES,
]
