"""Projects: `/api/projects[/{id}]`."""

from __future__ import annotations

from uuid import UUID

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
from team.schemas.projects import ProjectCreate, ProjectPublic, ProjectQuery, ProjectUpdate
from team.service import projects

list_projects = list_endpoint(
    projects.list_projects,
    query=ProjectQuery,
    public=ProjectPublic,
    key=lambda p: (p.name, p.id),
    key_types=(str, UUID),
    sync_id=UUID,
    doc="List projects by name; filter by `active=1|0` and `customer_id`.",
)
create_project = create_endpoint(
    projects.create_project,
    roles=PLANNERS,
    body=ProjectCreate,
    public=ProjectPublic,
    idempotent=True,
    doc="Create a project, optionally for a crm customer.",
)
get_project = get_endpoint(
    projects.get_project,
    id="project_id",
    not_found=projects.NOT_FOUND,
    public=ProjectPublic,
    doc="Get one project.",
)
update_project = update_endpoint(
    projects.update_project,
    roles=PLANNERS,
    id="project_id",
    not_found=projects.NOT_FOUND,
    body=ProjectUpdate,
    exists=projects.get_project,
    public=ProjectPublic,
    doc="Update a project.",
)
delete_project = delete_endpoint(
    projects.delete_project,
    roles=PLANNERS,
    id="project_id",
    not_found=projects.NOT_FOUND,
    message="Project deleted successfully",
    doc="Delete a project that has no allocations and no actuals (422 otherwise).",
)


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
