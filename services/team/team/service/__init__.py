"""Use cases for projects, allocations and actuals: one transaction each, events included."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import asyncpg
from asyncpg import Record
from servelo_common.db import Pool, tenant_tx
from servelo_common.errors import ApiError, NotFound, RequestValidationError
from servelo_common.events import DomainEvent, emit

from team import planning_repository as prepo
from team import repository as repo
from team.domain import overbooked_days
from team.events import (
    ActualDeleted,
    ActualRecorded,
    ActualUpdated,
    AllocationCreated,
    AllocationDeleted,
    AllocationUpdated,
)
from team.planning_schemas import (
    ActualCreate,
    ActualPublic,
    ActualUpdate,
    AllocationCreate,
    AllocationUpdate,
    AllocationWithWarnings,
    OverbookedDay,
    ProjectCreate,
    ProjectPublic,
    ProjectUpdate,
    check_span,
)

NOT_FOUND = {
    "projects": "Project not found",
    "allocations": "Allocation not found",
    "actuals": "Actual not found",
}
PROJECT_IN_USE = "Cannot delete project with allocations or actuals"
PROJECT_SUGGESTION = "Consider deactivating the project instead"


def _invalid(field: str) -> list[str]:
    return [f"The selected {field.replace('_', ' ')} is invalid."]


def _span_or_422(start: Any, end: Any) -> None:
    try:
        check_span(start, end)
    except ValueError as exc:
        raise RequestValidationError({"end_date": [str(exc)]}) from exc


async def _check_refs(
    conn: asyncpg.Connection, org_id: UUID, values: dict[str, Any], *, member_lock: str
) -> None:
    """422 unless the member and project named in `values` are this org's.

    The rows are locked, so neither can be deleted before commit; the member with
    `member_lock` ("UPDATE" serializes the bookings of one member).
    """
    errors: dict[str, list[str]] = {}
    if (
        "team_member_id" in values
        and await repo.lock_member(
            conn, org_id=org_id, member_id=values["team_member_id"], mode=member_lock
        )
        is None
    ):
        errors["team_member_id"] = _invalid("team_member_id")
    if (
        "project_id" in values
        and await prepo.get_row(
            conn, "projects", org_id=org_id, row_id=values["project_id"], lock="KEY SHARE"
        )
        is None
    ):
        errors["project_id"] = _invalid("project_id")
    if errors:
        raise RequestValidationError(errors)


async def get(pool: Pool, table: str, org_id: UUID, row_id: UUID) -> Record:
    async with tenant_tx(pool, org_id) as conn:
        row = await prepo.get_row(conn, table, org_id=org_id, row_id=row_id)
    if row is None:
        raise NotFound(NOT_FOUND[table])
    return row


async def _delete(
    pool: Pool, table: str, org_id: UUID, row_id: UUID, event: type[DomainEvent] | None
) -> None:
    async with tenant_tx(pool, org_id) as conn:
        row = await prepo.delete_row(conn, table, org_id=org_id, row_id=row_id)
        if row is None:
            raise NotFound(NOT_FOUND[table])
        if event is not None:
            await emit(conn, event.model_validate(_event_data(row)), tenant=org_id, subject=row_id)


def _event_data(row: Record) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, UUID) else v for k, v in dict(row).items()}


# Projects ----------------------------------------------------------------------------------


async def _check_customer(conn: asyncpg.Connection, org_id: UUID, customer_id: UUID | None) -> None:
    if customer_id is not None and not await prepo.customer_exists(
        conn, org_id=org_id, customer_id=customer_id
    ):
        raise RequestValidationError({"customer_id": _invalid("customer_id")})


async def create_project(pool: Pool, org_id: UUID, data: ProjectCreate) -> ProjectPublic:
    async with tenant_tx(pool, org_id) as conn:
        await _check_customer(conn, org_id, data.customer_id)
        row = await prepo.insert_row(
            conn, "projects", org_id=org_id, row_id=uuid4(), values=data.model_dump()
        )
    return ProjectPublic.model_validate(dict(row))


async def update_project(
    pool: Pool, org_id: UUID, project_id: UUID, data: ProjectUpdate
) -> ProjectPublic:
    changes = data.provided()
    async with tenant_tx(pool, org_id) as conn:
        current = await prepo.get_row(
            conn, "projects", org_id=org_id, row_id=project_id, lock="UPDATE"
        )
        if current is None:
            raise NotFound(NOT_FOUND["projects"])
        merged = {**dict(current), **changes}
        _span_or_422(merged["start_date"], merged["end_date"])
        # A project may keep a customer crm deleted since; it may not take one on.
        if changes.get("customer_id") not in (None, current["customer_id"]):
            await _check_customer(conn, org_id, changes["customer_id"])
        row = await prepo.update_row(
            conn, "projects", org_id=org_id, row_id=project_id, changes=changes
        )
        assert row is not None  # locked above
    return ProjectPublic.model_validate(dict(row))


async def delete_project(pool: Pool, org_id: UUID, project_id: UUID) -> None:
    async with tenant_tx(pool, org_id) as conn:
        if (
            await prepo.get_row(conn, "projects", org_id=org_id, row_id=project_id, lock="UPDATE")
            is None
        ):
            raise NotFound(NOT_FOUND["projects"])
        if await prepo.project_in_use(conn, org_id=org_id, project_id=project_id):
            raise ApiError(422, PROJECT_IN_USE, suggestion=PROJECT_SUGGESTION)
        await prepo.delete_row(conn, "projects", org_id=org_id, row_id=project_id)


# Allocations -------------------------------------------------------------------------------


async def _with_warnings(
    conn: asyncpg.Connection, org_id: UUID, row: Record
) -> AllocationWithWarnings:
    # The member row is locked (FOR UPDATE) by the caller, so every other booking of this
    # member is either committed and counted here, or waits for this transaction.
    bookings = await prepo.member_bookings(
        conn,
        org_id=org_id,
        member_id=row["team_member_id"],
        start=row["start_date"],
        end=row["end_date"],
    )
    days = overbooked_days(bookings, row["start_date"], row["end_date"])
    warnings = [OverbookedDay(date=d.day, hours=d.hours, message=d.message) for d in days]
    return AllocationWithWarnings.model_validate({**dict(row), "warnings": warnings})


async def create_allocation(
    pool: Pool, org_id: UUID, data: AllocationCreate
) -> AllocationWithWarnings:
    values = data.model_dump()
    async with tenant_tx(pool, org_id) as conn:
        await _check_refs(conn, org_id, values, member_lock="UPDATE")
        row = await prepo.insert_row(
            conn, "allocations", org_id=org_id, row_id=uuid4(), values=values
        )
        out = await _with_warnings(conn, org_id, row)
        await emit(
            conn,
            AllocationCreated.model_validate(_event_data(row)),
            tenant=org_id,
            subject=row["id"],
        )
    return out


async def update_allocation(
    pool: Pool, org_id: UUID, allocation_id: UUID, data: AllocationUpdate
) -> AllocationWithWarnings:
    changes = data.provided()
    async with tenant_tx(pool, org_id) as conn:
        current = await prepo.get_row(
            conn, "allocations", org_id=org_id, row_id=allocation_id, lock="UPDATE"
        )
        if current is None:
            raise NotFound(NOT_FOUND["allocations"])
        merged = {**dict(current), **changes}
        _span_or_422(merged["start_date"], merged["end_date"])
        # The member is always locked: the warnings must count every booking of the day.
        refs: dict[str, Any] = {
            k: merged[k]
            for k in ("team_member_id", "project_id")
            if k in changes or k == "team_member_id"
        }
        await _check_refs(conn, org_id, refs, member_lock="UPDATE")
        row = await prepo.update_row(
            conn, "allocations", org_id=org_id, row_id=allocation_id, changes=changes
        )
        assert row is not None  # locked above
        out = await _with_warnings(conn, org_id, row)
        await emit(
            conn,
            AllocationUpdated.model_validate(_event_data(row)),
            tenant=org_id,
            subject=allocation_id,
        )
    return out


async def delete_allocation(pool: Pool, org_id: UUID, allocation_id: UUID) -> None:
    await _delete(pool, "allocations", org_id, allocation_id, AllocationDeleted)


# Actuals -----------------------------------------------------------------------------------


async def create_actual(pool: Pool, org_id: UUID, data: ActualCreate) -> ActualPublic:
    values = data.model_dump()
    async with tenant_tx(pool, org_id) as conn:
        await _check_refs(conn, org_id, values, member_lock="KEY SHARE")
        row = await prepo.insert_row(conn, "actuals", org_id=org_id, row_id=uuid4(), values=values)
        await emit(
            conn, ActualRecorded.model_validate(_event_data(row)), tenant=org_id, subject=row["id"]
        )
    return ActualPublic.model_validate(dict(row))


async def update_actual(
    pool: Pool, org_id: UUID, actual_id: UUID, data: ActualUpdate
) -> ActualPublic:
    changes = data.provided()
    async with tenant_tx(pool, org_id) as conn:
        current = await prepo.get_row(
            conn, "actuals", org_id=org_id, row_id=actual_id, lock="UPDATE"
        )
        if current is None:
            raise NotFound(NOT_FOUND["actuals"])
        await _check_refs(conn, org_id, changes, member_lock="KEY SHARE")
        row = await prepo.update_row(
            conn, "actuals", org_id=org_id, row_id=actual_id, changes=changes
        )
        assert row is not None  # locked above
        await emit(
            conn, ActualUpdated.model_validate(_event_data(row)), tenant=org_id, subject=actual_id
        )
    return ActualPublic.model_validate(dict(row))


async def delete_actual(pool: Pool, org_id: UUID, actual_id: UUID) -> None:
    await _delete(pool, "actuals", org_id, actual_id, ActualDeleted)
