"""Allocations: `/api/allocations[/{id}]`; a booking answers its over-booking warnings."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from servelo_common.endpoints import delete_endpoint, get_endpoint, list_endpoint
from servelo_common.http import body, json, path_id, require_role, update_body
from servelo_common.idempotency import idempotent
from servelo_common.routing import IDEMPOTENCY_KEY, Tag, api_route
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from team.domain import PLANNERS
from team.schemas.allocations import (
    AllocationCreate,
    AllocationPublic,
    AllocationQuery,
    AllocationUpdate,
    AllocationWithWarnings,
)
from team.service import allocations


def _allocation_id(request: Request) -> UUID:
    return path_id(request, message=allocations.NOT_FOUND)


list_allocations = list_endpoint(
    allocations.list_allocations,
    query=AllocationQuery,
    public=AllocationPublic,
    key=lambda a: (a.start_date, a.id),
    key_types=(date, UUID),
    sync_id=UUID,
    doc="List allocations by start date; filter by member, project and `from`/`to` overlap.",
)


# A booking answers the booking and its warnings (`AllocationWithWarnings.of`), not one
# public model: written out.
async def create_allocation(request: Request) -> Response:
    """Book a member on a project; `warnings` lists the days booked over 24 hours."""
    ident = require_role(request, *PLANNERS)

    async def run() -> Response:
        data = await body(request, AllocationCreate)
        booked = await allocations.create_allocation(request.state.db, ident=ident, data=data)
        return json(AllocationWithWarnings.of(booked), status=201)

    return await idempotent(request, run)


get_allocation = get_endpoint(
    allocations.get_allocation,
    id="allocation_id",
    not_found=allocations.NOT_FOUND,
    public=AllocationPublic,
    doc="Get one allocation.",
)


async def update_allocation(request: Request) -> Response:
    """Update an allocation; `warnings` lists the days booked over 24 hours."""
    ident = require_role(request, *PLANNERS)
    aid, pool = _allocation_id(request), request.state.db
    data = await update_body(
        request,
        AllocationUpdate,
        lambda: allocations.get_allocation(pool, ident=ident, allocation_id=aid),
    )
    booked = await allocations.update_allocation(pool, ident=ident, allocation_id=aid, data=data)
    return json(AllocationWithWarnings.of(booked))


delete_allocation = delete_endpoint(
    allocations.delete_allocation,
    roles=PLANNERS,
    id="allocation_id",
    not_found=allocations.NOT_FOUND,
    message="Allocation deleted successfully",
    doc="Delete an allocation.",
)


TAGS = [
    Tag(
        "allocations",
        "Planned hours: a member booked on a project for days, some hours a day; a booking"
        " answers the days it overbooks.",
    )
]
ROUTES: list[Route] = [
    api_route(
        "/api/allocations",
        list_allocations,
        methods=["GET"],
        query=AllocationQuery,
        response=AllocationPublic,
        list_response=True,
        sync=True,
        tags=TAGS,
    ),
    api_route(
        "/api/allocations",
        create_allocation,
        methods=["POST"],
        body=AllocationCreate,
        response=AllocationWithWarnings,
        status=201,
        headers=[IDEMPOTENCY_KEY],
        tags=TAGS,
    ),
    api_route(
        "/api/allocations/{id}",
        get_allocation,
        methods=["GET"],
        response=AllocationPublic,
        tags=TAGS,
    ),
    api_route(
        "/api/allocations/{id}",
        update_allocation,
        methods=["PUT", "PATCH"],
        body=AllocationUpdate,
        response=AllocationWithWarnings,
        tags=TAGS,
    ),
    api_route("/api/allocations/{id}", delete_allocation, methods=["DELETE"], tags=TAGS),
]
