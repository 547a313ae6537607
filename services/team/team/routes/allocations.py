"""Projects, allocations and actuals routes."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from servelo_common.db import tenant_tx
from servelo_common.http import body, caller, json, message, path_id, query, require_role
from servelo_common.idempotency import idempotent
from servelo_common.identity import Identity
from servelo_common.routing import api_route
from servelo_common.schemas import ApiOutput
from starlette.requests import Request
from starlette.responses import Response

from team import planning_repository as prepo
from team import planning_service as svc
from team.planning_schemas import (
    ActualCreate,
    ActualPublic,
    ActualUpdate,
    AllocationCreate,
    AllocationPublic,
    AllocationUpdate,
    AllocationWithWarnings,
    PlanningFilter,
    ProjectCreate,
    ProjectFilter,
    ProjectPublic,
    ProjectUpdate,
)
from team.web import TAGS, WRITERS, M, listing, org, page_of, update_body

_OUT: dict[str, type[ApiOutput]] = {
    "projects": ProjectPublic,
    "allocations": AllocationPublic,
    "actuals": ActualPublic,
}
_DELETED = {
    "projects": "Project deleted successfully",
    "allocations": "Allocation deleted successfully",
    "actuals": "Actual deleted successfully",
}


def _id(request: Request, table: str) -> UUID:
    return path_id(request, message=svc.NOT_FOUND[table])


async def _update_body(
    request: Request, model: type[M], ident: Identity, table: str, row_id: UUID
) -> M:
    return await update_body(
        request,
        model,
        ident,
        lambda conn: prepo.get_row(conn, table, org_id=org(ident), row_id=row_id),
        svc.NOT_FOUND[table],
    )


async def _get(request: Request, table: str) -> Response:
    ident = caller(request)
    row = await svc.get(request.state.db, table, org(ident), _id(request, table))
    return json(_OUT[table].model_validate(dict(row)))


async def _list_planning(request: Request, table: str) -> Response:
    ident = caller(request)
    flt = query(request, PlanningFilter)
    pr = page_of(request, (date, UUID))
    async with tenant_tx(request.state.db, ident.org_id) as conn:
        rows = await prepo.list_planning(
            conn,
            table,
            org_id=org(ident),
            member_id=flt.team_member_id,
            project_id=flt.project_id,
            start=flt.start,
            end=flt.end,
            limit=pr.limit + 1,
            after=pr.cursor,
        )
    first = "start_date" if table == "allocations" else "date"
    return listing(
        request,
        rows,
        pr,
        lambda r: (r[first], r["id"]),
        lambda r: _OUT[table].model_validate(dict(r)),
    )


async def list_projects(request: Request) -> Response:
    """List projects by name; filter by `active=1|0` and `customer_id`."""
    ident = caller(request)
    flt = query(request, ProjectFilter)
    pr = page_of(request, (str, UUID))
    async with tenant_tx(request.state.db, ident.org_id) as conn:
        rows = await prepo.list_projects(
            conn,
            org_id=org(ident),
            active=flt.active,
            customer_id=flt.customer_id,
            limit=pr.limit + 1,
            after=pr.cursor,
        )
    return listing(
        request,
        rows,
        pr,
        lambda r: (r["name"], r["id"]),
        lambda r: ProjectPublic.model_validate(dict(r)),
    )


async def create_project(request: Request) -> Response:
    """Create a project, optionally for a crm customer."""
    ident = require_role(request, *WRITERS)

    async def run() -> Response:
        data = await body(request, ProjectCreate)
        return json(await svc.create_project(request.state.db, org(ident), data), status=201)

    return await idempotent(request, run)


async def get_project(request: Request) -> Response:
    """Get one project."""
    return await _get(request, "projects")


async def update_project(request: Request) -> Response:
    """Update a project."""
    ident = require_role(request, *WRITERS)
    pid = _id(request, "projects")
    data = await _update_body(request, ProjectUpdate, ident, "projects", pid)
    return json(await svc.update_project(request.state.db, org(ident), pid, data))


async def delete_project(request: Request) -> Response:
    """Delete a project that has no allocations and no actuals (422 otherwise)."""
    ident = require_role(request, *WRITERS)
    await svc.delete_project(request.state.db, org(ident), _id(request, "projects"))
    return message(_DELETED["projects"])


async def list_allocations(request: Request) -> Response:
    """List allocations by start date; filter by member, project and `from`/`to` overlap."""
    return await _list_planning(request, "allocations")


async def create_allocation(request: Request) -> Response:
    """Book a member on a project; `warnings` lists the days booked over 24 hours."""
    ident = require_role(request, *WRITERS)

    async def run() -> Response:
        data = await body(request, AllocationCreate)
        out = await svc.create_allocation(request.state.db, org(ident), data)
        return json(out, status=201)

    return await idempotent(request, run)


async def get_allocation(request: Request) -> Response:
    """Get one allocation."""
    return await _get(request, "allocations")


async def update_allocation(request: Request) -> Response:
    """Update an allocation; `warnings` lists the days booked over 24 hours."""
    ident = require_role(request, *WRITERS)
    aid = _id(request, "allocations")
    data = await _update_body(request, AllocationUpdate, ident, "allocations", aid)
    return json(await svc.update_allocation(request.state.db, org(ident), aid, data))


async def delete_allocation(request: Request) -> Response:
    """Delete an allocation."""
    ident = require_role(request, *WRITERS)
    await svc.delete_allocation(request.state.db, org(ident), _id(request, "allocations"))
    return message(_DELETED["allocations"])


async def list_actuals(request: Request) -> Response:
    """List recorded hours by date; filter by member, project and `from`/`to`."""
    return await _list_planning(request, "actuals")


async def create_actual(request: Request) -> Response:
    """Record hours a member worked on a project on one day."""
    ident = require_role(request, *WRITERS)

    async def run() -> Response:
        data = await body(request, ActualCreate)
        return json(await svc.create_actual(request.state.db, org(ident), data), status=201)

    return await idempotent(request, run)


async def get_actual(request: Request) -> Response:
    """Get one actual."""
    return await _get(request, "actuals")


async def update_actual(request: Request) -> Response:
    """Correct recorded hours."""
    ident = require_role(request, *WRITERS)
    aid = _id(request, "actuals")
    data = await _update_body(request, ActualUpdate, ident, "actuals", aid)
    return json(await svc.update_actual(request.state.db, org(ident), aid, data))


async def delete_actual(request: Request) -> Response:
    """Delete recorded hours."""
    ident = require_role(request, *WRITERS)
    await svc.delete_actual(request.state.db, org(ident), _id(request, "actuals"))
    return message(_DELETED["actuals"])


PLANNING_ROUTES = [
    api_route(
        "/api/projects",
        list_projects,
        methods=["GET"],
        response=ProjectPublic,
        list_response=True,
        tags=TAGS,
    ),
    api_route(
        "/api/projects",
        create_project,
        methods=["POST"],
        body=ProjectCreate,
        response=ProjectPublic,
        status=201,
        tags=TAGS,
    ),
    api_route(
        "/api/projects/{id}", get_project, methods=["GET"], response=ProjectPublic, tags=TAGS
    ),
    api_route(
        "/api/projects/{id}",
        update_project,
        methods=["PUT", "PATCH"],
        body=ProjectUpdate,
        response=ProjectPublic,
        tags=TAGS,
    ),
    api_route("/api/projects/{id}", delete_project, methods=["DELETE"], tags=TAGS),
    api_route(
        "/api/allocations",
        list_allocations,
        methods=["GET"],
        response=AllocationPublic,
        list_response=True,
        tags=TAGS,
    ),
    api_route(
        "/api/allocations",
        create_allocation,
        methods=["POST"],
        body=AllocationCreate,
        response=AllocationWithWarnings,
        status=201,
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
    api_route(
        "/api/actuals",
        list_actuals,
        methods=["GET"],
        response=ActualPublic,
        list_response=True,
        tags=TAGS,
    ),
    api_route(
        "/api/actuals",
        create_actual,
        methods=["POST"],
        body=ActualCreate,
        response=ActualPublic,
        status=201,
        tags=TAGS,
    ),
    api_route("/api/actuals/{id}", get_actual, methods=["GET"], response=ActualPublic, tags=TAGS),
    api_route(
        "/api/actuals/{id}",
        update_actual,
        methods=["PUT", "PATCH"],
        body=ActualUpdate,
        response=ActualPublic,
        tags=TAGS,
    ),
    api_route("/api/actuals/{id}", delete_actual, methods=["DELETE"], tags=TAGS),
]
