"""Team members: `/api/team-members[/{id}]`."""

from __future__ import annotations

from uuid import UUID

from servelo_common.http import (
    body,
    caller,
    json,
    message,
    path_id,
    query,
    require_role,
    update_body,
)
from servelo_common.idempotency import idempotent
from servelo_common.pagination import page_request, page_response
from servelo_common.routing import IDEMPOTENCY_KEY, Tag, api_route
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from team.domain import PLANNERS
from team.schemas.members import (
    TeamMemberCreate,
    TeamMemberPublic,
    TeamMemberQuery,
    TeamMemberUpdate,
)
from team.service import members


def member_id(request: Request) -> UUID:
    return path_id(request, message=members.NOT_FOUND)


async def list_members(request: Request) -> Response:
    """List team members by name; `active=1|0` filters on the active flag."""
    ident = caller(request)
    flt = query(request, TeamMemberQuery)
    pr = page_request(request, key_types=(str, UUID), sync_id=UUID)
    found = await members.list_members(request.state.db, ident=ident, query=flt, page=pr)
    return page_response(request, found, pr, lambda m: (m.name, m.id), TeamMemberPublic)


async def create_member(request: Request) -> Response:
    """Create a team member with name, role and hourly rate."""
    ident = require_role(request, *PLANNERS)

    async def run() -> Response:
        data = await body(request, TeamMemberCreate)
        member = await members.create_member(request.state.db, ident=ident, data=data)
        return json(TeamMemberPublic.model_validate(member), status=201)

    return await idempotent(request, run)


async def get_member(request: Request) -> Response:
    """Get one team member."""
    ident = caller(request)
    member = await members.get_member(request.state.db, ident=ident, member_id=member_id(request))
    return json(TeamMemberPublic.model_validate(member))


async def update_member(request: Request) -> Response:
    """Update a team member; a new hourly rate applies from today (UTC)."""
    ident = require_role(request, *PLANNERS)
    mid, pool = member_id(request), request.state.db
    data = await update_body(
        request, TeamMemberUpdate, lambda: members.get_member(pool, ident=ident, member_id=mid)
    )
    member = await members.update_member(pool, ident=ident, member_id=mid, data=data)
    return json(TeamMemberPublic.model_validate(member))


async def delete_member(request: Request) -> Response:
    """Delete a team member that has no allocations and no actuals."""
    ident = require_role(request, *PLANNERS)
    await members.delete_member(request.state.db, ident=ident, member_id=member_id(request))
    return message("Team member deleted successfully")


TAGS = [
    Tag(
        "team-members",
        "The people who do the work, each with a job role and an hourly rate (a new rate"
        " applies from the day it is set); their utilization.",
    )
]
ROUTES: list[Route] = [
    api_route(
        "/api/team-members",
        list_members,
        methods=["GET"],
        query=TeamMemberQuery,
        response=TeamMemberPublic,
        list_response=True,
        sync=True,
        tags=TAGS,
    ),
    api_route(
        "/api/team-members",
        create_member,
        methods=["POST"],
        body=TeamMemberCreate,
        response=TeamMemberPublic,
        status=201,
        headers=[IDEMPOTENCY_KEY],
        tags=TAGS,
    ),
    api_route(
        "/api/team-members/{id}", get_member, methods=["GET"], response=TeamMemberPublic, tags=TAGS
    ),
    api_route(
        "/api/team-members/{id}",
        update_member,
        methods=["PUT", "PATCH"],
        body=TeamMemberUpdate,
        response=TeamMemberPublic,
        tags=TAGS,
    ),
    api_route("/api/team-members/{id}", delete_member, methods=["DELETE"], tags=TAGS),
]
