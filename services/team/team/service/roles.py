"""Job roles: list, get, create, rename, delete (refused while a member holds the role)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
from servelo_common.db import Pool, tenant_tx
from servelo_common.errors import Conflict, NotFound, found
from servelo_common.events import emit
from servelo_common.identity import Identity
from servelo_common.pagination import PageRequest

from team.domain.roles import Role
from team.events import RoleCreated, RoleDeleted, RoleUpdated
from team.repository import roles as repo
from team.schemas.roles import RoleCreate
from team.service import org_of

NOT_FOUND = "Role not found"
TAKEN = "A role with this name already exists"
IN_USE = "Cannot delete role assigned to team members"


@contextmanager
def _unique_name() -> Iterator[None]:
    try:
        yield
    except asyncpg.UniqueViolationError as exc:
        raise Conflict(TAKEN) from exc


async def list_roles(pool: Pool, *, ident: Identity, page: PageRequest) -> list[Role]:
    org_id = org_of(ident)
    async with tenant_tx(pool, org_id, readonly=True) as conn:
        rows = await repo.list_roles(
            conn, org_id=org_id, limit=page.limit + 1, after=page.cursor, since=page.since
        )
    return [Role.from_row(r) for r in rows]


async def get_role(pool: Pool, *, ident: Identity, role_id: int) -> Role:
    org_id = org_of(ident)
    async with tenant_tx(pool, org_id, readonly=True) as conn:
        row = await repo.get_role(conn, org_id=org_id, role_id=role_id)
    return Role.from_row(found(row, NOT_FOUND))


async def create_role(pool: Pool, *, ident: Identity, data: RoleCreate) -> Role:
    org_id = org_of(ident)
    with _unique_name():
        async with tenant_tx(pool, org_id) as conn:
            role = Role.from_row(await repo.insert_role(conn, org_id=org_id, name=data.name))
            created = RoleCreated.of(role)
            await emit(conn, created, tenant=org_id, subject=str(role.id))
    return role


async def update_role(pool: Pool, *, ident: Identity, role_id: int, data: RoleCreate) -> Role:
    org_id = org_of(ident)
    with _unique_name():
        async with tenant_tx(pool, org_id) as conn:
            row = await repo.update_role(conn, org_id=org_id, role_id=role_id, name=data.name)
            role = Role.from_row(found(row, NOT_FOUND))
            updated = RoleUpdated.of(role)
            await emit(conn, updated, tenant=org_id, subject=str(role.id))
    return role


async def delete_role(pool: Pool, *, ident: Identity, role_id: int) -> None:
    org_id = org_of(ident)
    async with tenant_tx(pool, org_id) as conn:
        # Locked first, so a member cannot take the role between the check and the delete.
        role = await repo.get_role(conn, org_id=org_id, role_id=role_id, lock="UPDATE")
        if role is None:
            raise NotFound(NOT_FOUND)
        if await repo.role_in_use(conn, org_id=org_id, role_id=role_id):
            raise Conflict(IN_USE)
        await repo.delete_role(conn, org_id=org_id, role_id=role_id)
        deleted = RoleDeleted(id=role_id, name=role["name"])
        await emit(conn, deleted, tenant=org_id, subject=str(role_id))
