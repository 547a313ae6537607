"""Projects: `/api/projects[/{id}]`."""

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
from team.schemas.projects import ProjectCreate, ProjectPublic, ProjectQuery, ProjectUpdate
from team.service import projects


def _project_id(request: Request) -> UUID:
    return path_id(request, message=projects.NOT_FOUND)


async def list_projects(request: Request) -> Response:
    """List projects by name; filter by `active=1|0` and `customer_id`."""
    ident = caller(request)
    flt = query(request, ProjectQuery)
    pr = page_request(request, key_types=(str, UUID), sync_id=UUID)
    found = await projects.list_projects(request.state.db, ident=ident, query=flt, page=pr)
    return page_response(request, found, pr, lambda p: (p.name, p.id), ProjectPublic)


async def create_project(request: Request) -> Response:
    """Create a project, optionally for a crm customer."""
    ident = require_role(request, *PLANNERS)

    async def run() -> Response:
        data = await body(request, ProjectCreate)
        project = await projects.create_project(request.state.db, ident=ident, data=data)
        return json(ProjectPublic.model_validate(project), status=201)

    return await idempotent(request, run)


async def get_project(request: Request) -> Response:
    """Get one project."""
    ident = caller(request)
    project = await projects.get_project(
        request.state.db, ident=ident, project_id=_project_id(request)
    )
    return json(ProjectPublic.model_validate(project))


async def update_project(request: Request) -> Response:
    """Update a project."""
    ident = require_role(request, *PLANNERS)
    pid, pool = _project_id(request), request.state.db
    data = await update_body(
        request, ProjectUpdate, lambda: projects.get_project(pool, ident=ident, project_id=pid)
    )
    project = await projects.update_project(pool, ident=ident, project_id=pid, data=data)
    return json(ProjectPublic.model_validate(project))


async def delete_project(request: Request) -> Response:
    """Delete a project that has no allocations and no actuals (422 otherwise)."""
    ident = require_role(request, *PLANNERS)
    await projects.delete_project(request.state.db, ident=ident, project_id=_project_id(request))
    return message("Project deleted successfully")


TAGS = [
    Tag(
        "projects", "What the team works on, optionally for a client, with a start and an end date."
    )
]
ROUTES: list[Route] = [
    api_route(
        "/api/projects",
        list_projects,
        methods=["GET"],
        query=ProjectQuery,
        response=ProjectPublic,
        list_response=True,
        sync=True,
        tags=TAGS,
    ),
    api_route(
        "/api/projects",
        create_project,
        methods=["POST"],
        body=ProjectCreate,
        response=ProjectPublic,
        status=201,
        headers=[IDEMPOTENCY_KEY],
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
]
