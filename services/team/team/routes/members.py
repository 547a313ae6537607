"""Team members: `/api/team-members[/{id}]`."""

from __future__ import annotations

from uuid import UUID

from servelo_common.endpoints import (
    create_endpoint,
    delete_endpoint,
    get_endpoint,
    list_endpoint,
    update_endpoint,
)
from servelo_common.http import path_id
from servelo_common.routing import IDEMPOTENCY_KEY, Tag, api_route
from starlette.requests import Request
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


list_members = list_endpoint(
    members.list_members,
    query=TeamMemberQuery,
    public=TeamMemberPublic,
    key=lambda m: (m.name, m.id),
    key_types=(str, UUID),
    sync_id=UUID,
    doc="List team members by name; `active=1|0` filters on the active flag.",
)
create_member = create_endpoint(
    members.create_member,
    roles=PLANNERS,
    body=TeamMemberCreate,
    public=TeamMemberPublic,
    idempotent=True,
    doc="Create a team member with name, role and hourly rate.",
)
get_member = get_endpoint(
    members.get_member,
    id="member_id",
    not_found=members.NOT_FOUND,
    public=TeamMemberPublic,
    doc="Get one team member.",
)
update_member = update_endpoint(
    members.update_member,
    roles=PLANNERS,
    id="member_id",
    not_found=members.NOT_FOUND,
    body=TeamMemberUpdate,
    exists=members.get_member,
    public=TeamMemberPublic,
    doc="Update a team member; a new hourly rate applies from today (UTC).",
)
delete_member = delete_endpoint(
    members.delete_member,
    roles=PLANNERS,
    id="member_id",
    not_found=members.NOT_FOUND,
    message="Team member deleted successfully",
    doc="Delete a team member that has no allocations and no actuals.",
)


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
