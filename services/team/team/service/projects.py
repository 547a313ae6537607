"""Projects: list, get, create, update, delete (refused while the project is used)."""

from __future__ import annotations

from uuid import UUID, uuid4

import asyncpg
from servelo_common.db import Pool, tenant_tx
from servelo_common.errors import ApiError, NotFound, RequestValidationError, found
from servelo_common.events import emit
from servelo_common.identity import Identity
from servelo_common.pagination import PageRequest
from servelo_common.replicas import customer_exists

from team.domain.projects import Project
from team.events import ProjectCreated, ProjectDeleted, ProjectUpdated
from team.repository import projects as repo
from team.schemas.projects import ProjectCreate, ProjectQuery, ProjectUpdate
from team.service import check_period, invalid, org_of

NOT_FOUND = "Project not found"
IN_USE = "Cannot delete project with allocations or actuals"
DEACTIVATE_SUGGESTION = "Consider deactivating the project instead"


async def _check_customer(conn: asyncpg.Connection, org_id: UUID, customer_id: UUID | None) -> None:
    if customer_id is not None and not await customer_exists(
        conn, org_id=org_id, customer_id=customer_id
    ):
        raise RequestValidationError({"customer_id": invalid("customer_id")})


async def list_projects(
    pool: Pool, *, ident: Identity, query: ProjectQuery, page: PageRequest
) -> list[Project]:
    org_id = org_of(ident)
    async with tenant_tx(pool, org_id, readonly=True) as conn:
        rows = await repo.list_projects(
            conn,
            org_id=org_id,
            query=query,
            limit=page.limit + 1,
            after=page.cursor,
            since=page.since,
        )
    return [Project.from_row(r) for r in rows]


async def get_project(pool: Pool, *, ident: Identity, project_id: UUID) -> Project:
    org_id = org_of(ident)
    async with tenant_tx(pool, org_id, readonly=True) as conn:
        row = await repo.get_project(conn, org_id=org_id, project_id=project_id)
    return Project.from_row(found(row, NOT_FOUND))


async def create_project(pool: Pool, *, ident: Identity, data: ProjectCreate) -> Project:
    org_id = org_of(ident)
    async with tenant_tx(pool, org_id) as conn:
        await _check_customer(conn, org_id, data.customer_id)
        project = Project.from_row(
            await repo.insert_project(
                conn, org_id=org_id, project_id=uuid4(), values=data.model_dump()
            )
        )
        created = ProjectCreated.of(project)
        await emit(conn, created, tenant=org_id, subject=project.id)
    return project


async def update_project(
    pool: Pool, *, ident: Identity, project_id: UUID, data: ProjectUpdate
) -> Project:
    org_id = org_of(ident)
    changes = data.provided()
    async with tenant_tx(pool, org_id) as conn:
        row = await repo.get_project(conn, org_id=org_id, project_id=project_id, lock="UPDATE")
        if row is None:
            raise NotFound(NOT_FOUND)
        current = Project.from_row(row)
        check_period(
            changes.get("start_date", current.start_date), changes.get("end_date", current.end_date)
        )
        # A project may keep a customer crm deleted since; it may not take one on.
        if changes.get("customer_id") not in (None, current.customer_id):
            await _check_customer(conn, org_id, changes["customer_id"])
        row = await repo.update_project(conn, org_id=org_id, project_id=project_id, changes=changes)
        assert row is not None  # locked above
        project = Project.from_row(row)
        updated = ProjectUpdated.of(project)
        await emit(conn, updated, tenant=org_id, subject=project_id)
    return project


async def delete_project(pool: Pool, *, ident: Identity, project_id: UUID) -> None:
    org_id = org_of(ident)
    async with tenant_tx(pool, org_id) as conn:
        row = await repo.get_project(conn, org_id=org_id, project_id=project_id, lock="UPDATE")
        if row is None:
            raise NotFound(NOT_FOUND)
        if await repo.project_in_use(conn, org_id=org_id, project_id=project_id):
            raise ApiError(422, IN_USE, suggestion=DEACTIVATE_SUGGESTION)
        await repo.delete_project(conn, org_id=org_id, project_id=project_id)
        deleted = ProjectDeleted(id=str(project_id), name=row["name"])
        await emit(conn, deleted, tenant=org_id, subject=project_id)
