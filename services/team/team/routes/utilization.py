"""A member's utilization: `/api/team-members/{id}/utilization?from=&to=`."""

from __future__ import annotations

from servelo_common.http import caller, json, query
from servelo_common.routing import api_route
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from team.routes.members import member_id
from team.schemas.utilization import UtilizationPublic, UtilizationQuery
from team.service import utilization

TAGS = ["team"]


async def member_utilization(request: Request) -> Response:
    """Allocated vs actual hours and their cost at the rate in force each day."""
    ident = caller(request)
    mid = member_id(request)
    window = query(request, UtilizationQuery)
    report = await utilization.get_utilization(
        request.state.db, ident=ident, member_id=mid, query=window
    )
    return json(UtilizationPublic.model_validate(report))


ROUTES: list[Route] = [
    api_route(
        "/api/team-members/{id}/utilization",
        member_utilization,
        methods=["GET"],
        response=UtilizationPublic,
        tags=TAGS,
    ),
]
