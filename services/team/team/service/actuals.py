"""Actuals: list, get, record, correct, delete the hours a member worked."""

from __future__ import annotations

from uuid import UUID, uuid4

from servelo_common.db import Pool, tenant_tx
from servelo_common.errors import NotFound, found
from servelo_common.events import emit
from servelo_common.identity import Identity
from servelo_common.pagination import PageRequest

from team.domain.actuals import Actual
from team.events import ActualDeleted, ActualRecorded, ActualUpdated
from team.repository import actuals as repo
from team.schemas.actuals import ActualCreate, ActualQuery, ActualUpdate
from team.service import check_refs, org_of

NOT_FOUND = "Actual not found"


async def list_actuals(
    pool: Pool, *, ident: Identity, query: ActualQuery, page: PageRequest
) -> list[Actual]:
    org_id = org_of(ident)
    async with tenant_tx(pool, org_id, readonly=True) as conn:
        rows = await repo.list_actuals(
            conn,
            org_id=org_id,
            query=query,
            limit=page.limit + 1,
            after=page.cursor,
            since=page.since,
        )
    return [Actual.from_row(r) for r in rows]


async def get_actual(pool: Pool, *, ident: Identity, actual_id: UUID) -> Actual:
    org_id = org_of(ident)
    async with tenant_tx(pool, org_id, readonly=True) as conn:
        row = await repo.get_actual(conn, org_id=org_id, actual_id=actual_id)
    return Actual.from_row(found(row, NOT_FOUND))


async def create_actual(pool: Pool, *, ident: Identity, data: ActualCreate) -> Actual:
    org_id = org_of(ident)
    values = data.model_dump()
    async with tenant_tx(pool, org_id) as conn:
        await check_refs(conn, org_id=org_id, values=values, member_lock="KEY SHARE")
        actual = Actual.from_row(
            await repo.insert_actual(conn, org_id=org_id, actual_id=uuid4(), values=values)
        )
        await emit(
            conn,
            ActualRecorded.of(actual),
            tenant=org_id,
            subject=actual.id,
        )
    return actual


async def update_actual(
    pool: Pool, *, ident: Identity, actual_id: UUID, data: ActualUpdate
) -> Actual:
    org_id = org_of(ident)
    changes = data.provided()
    async with tenant_tx(pool, org_id) as conn:
        if await repo.get_actual(conn, org_id=org_id, actual_id=actual_id, lock="UPDATE") is None:
            raise NotFound(NOT_FOUND)
        await check_refs(conn, org_id=org_id, values=changes, member_lock="KEY SHARE")
        row = await repo.update_actual(conn, org_id=org_id, actual_id=actual_id, changes=changes)
        assert row is not None  # locked above
        actual = Actual.from_row(row)
        await emit(
            conn,
            ActualUpdated.of(actual),
            tenant=org_id,
            subject=actual_id,
        )
    return actual


async def delete_actual(pool: Pool, *, ident: Identity, actual_id: UUID) -> None:
    org_id = org_of(ident)
    async with tenant_tx(pool, org_id) as conn:
        row = await repo.delete_actual(conn, org_id=org_id, actual_id=actual_id)
        if row is None:
            raise NotFound(NOT_FOUND)
        await emit(
            conn,
            ActualDeleted.of(Actual.from_row(row)),
            tenant=org_id,
            subject=actual_id,
        )
