"""Use cases for roles, team members and utilization: one transaction each, events included."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import asyncpg
from asyncpg import Record
from servelo_common.db import Pool, tenant_tx
from servelo_common.errors import ApiError, Conflict, NotFound, RequestValidationError
from servelo_common.events import emit

from team import repository as repo
from team.domain import DEACTIVATE_SUGGESTION, delete_refusal
from team.events import TeamMemberCreated, TeamMemberDeleted, TeamMemberUpdated
from team.schemas import (
    RoleCreate,
    RolePublic,
    TeamMemberCreate,
    TeamMemberPublic,
    TeamMemberUpdate,
    UtilizationDay,
    UtilizationPublic,
)

MEMBER_NOT_FOUND = "Team member not found"
ROLE_NOT_FOUND = "Role not found"
ROLE_TAKEN = "A role with this name already exists"
ROLE_IN_USE = "Cannot delete role assigned to team members"


def today() -> date:
    """Rate changes and the delete guard go by the UTC calendar day."""
    return datetime.now(UTC).date()


def member_out(row: Record) -> TeamMemberPublic:
    role = None if row["role_id"] is None else RolePublic(id=row["role_id"], name=row["role_name"])
    return TeamMemberPublic(
        id=row["id"],
        name=row["name"],
        role_id=row["role_id"],
        role=role,
        hourly_rate=row["hourly_rate"],
        active=row["active"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _member_event(row: Record) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "role_id": row["role_id"],
        "hourly_rate": row["hourly_rate"],
        "active": row["active"],
    }


# Roles -------------------------------------------------------------------------------------


async def create_role(pool: Pool, org_id: UUID, data: RoleCreate) -> RolePublic:
    try:
        async with tenant_tx(pool, org_id) as conn:
            row = await repo.insert_role(conn, org_id=org_id, name=data.name)
    except asyncpg.UniqueViolationError as exc:
        raise Conflict(ROLE_TAKEN) from exc
    return RolePublic.model_validate(dict(row))


async def update_role(pool: Pool, org_id: UUID, role_id: int, data: RoleCreate) -> RolePublic:
    try:
        async with tenant_tx(pool, org_id) as conn:
            row = await repo.update_role(conn, org_id=org_id, role_id=role_id, name=data.name)
    except asyncpg.UniqueViolationError as exc:
        raise Conflict(ROLE_TAKEN) from exc
    if row is None:
        raise NotFound(ROLE_NOT_FOUND)
    return RolePublic.model_validate(dict(row))


async def delete_role(pool: Pool, org_id: UUID, role_id: int) -> None:
    async with tenant_tx(pool, org_id) as conn:
        # Locked first, so a member cannot take the role between the check and the delete.
        if await repo.get_role(conn, org_id=org_id, role_id=role_id, lock="UPDATE") is None:
            raise NotFound(ROLE_NOT_FOUND)
        if await repo.role_in_use(conn, org_id=org_id, role_id=role_id):
            raise Conflict(ROLE_IN_USE)
        await repo.delete_role(conn, org_id=org_id, role_id=role_id)


# Team members ------------------------------------------------------------------------------


async def _check_role(conn: asyncpg.Connection, org_id: UUID, role_id: int | None) -> None:
    # KEY SHARE: the role cannot be deleted before this transaction commits.
    if (
        role_id is not None
        and await repo.get_role(conn, org_id=org_id, role_id=role_id, lock="KEY SHARE") is None
    ):
        raise RequestValidationError({"role_id": ["The selected role id is invalid."]})


async def create_member(pool: Pool, org_id: UUID, data: TeamMemberCreate) -> TeamMemberPublic:
    async with tenant_tx(pool, org_id) as conn:
        await _check_role(conn, org_id, data.role_id)
        row = await repo.insert_member(
            conn,
            org_id=org_id,
            member_id=uuid4(),
            name=data.name,
            role_id=data.role_id,
            hourly_rate=data.hourly_rate,
            active=data.active,
        )
        await repo.set_rate(
            conn, org_id=org_id, member_id=row["id"], rate=row["hourly_rate"], effective_from=None
        )
        await emit(conn, TeamMemberCreated(**_member_event(row)), tenant=org_id, subject=row["id"])
    return member_out(row)


async def update_member(
    pool: Pool, org_id: UUID, member_id: UUID, data: TeamMemberUpdate
) -> TeamMemberPublic:
    changes = data.provided()
    async with tenant_tx(pool, org_id) as conn:
        current = await repo.lock_member(conn, org_id=org_id, member_id=member_id)
        if current is None:
            raise NotFound(MEMBER_NOT_FOUND)
        if "role_id" in changes:
            await _check_role(conn, org_id, changes["role_id"])
        row = await repo.update_member(conn, org_id=org_id, member_id=member_id, changes=changes)
        assert row is not None  # locked above
        if row["hourly_rate"] != current["hourly_rate"]:
            # From today on; the days before keep the rate they had.
            await repo.set_rate(
                conn,
                org_id=org_id,
                member_id=member_id,
                rate=row["hourly_rate"],
                effective_from=today(),
            )
        await emit(conn, TeamMemberUpdated(**_member_event(row)), tenant=org_id, subject=member_id)
    return member_out(row)


async def delete_member(pool: Pool, org_id: UUID, member_id: UUID) -> None:
    async with tenant_tx(pool, org_id) as conn:
        # Locked first: a booking or recorded hours cannot slip in after the check.
        if await repo.lock_member(conn, org_id=org_id, member_id=member_id) is None:
            raise NotFound(MEMBER_NOT_FOUND)
        last_end, acted = await repo.member_history(conn, org_id=org_id, member_id=member_id)
        refusal = delete_refusal(today=today(), last_allocation_end=last_end, has_actuals=acted)
        if refusal is not None:
            raise ApiError(422, refusal, suggestion=DEACTIVATE_SUGGESTION)
        await repo.delete_member(conn, org_id=org_id, member_id=member_id)
        await emit(conn, TeamMemberDeleted(id=str(member_id)), tenant=org_id, subject=member_id)


async def utilization(
    pool: Pool, org_id: UUID, member_id: UUID, start: date, end: date
) -> UtilizationPublic:
    async with tenant_tx(pool, org_id) as conn:
        if await repo.get_member(conn, org_id=org_id, member_id=member_id) is None:
            raise NotFound(MEMBER_NOT_FOUND)
        rows = await repo.utilization(
            conn, org_id=org_id, member_id=member_id, start=start, end=end
        )
    zero = Decimal(0)
    first = rows[0] if rows else None
    allocated = first["total_allocated_hours"] if first else zero
    actual = first["total_actual_hours"] if first else zero
    return UtilizationPublic(
        team_member_id=member_id,
        start=start,
        end=end,
        allocated_hours=allocated,
        actual_hours=actual,
        allocated_cost=first["total_allocated_cost"] if first else zero,
        actual_cost=first["total_actual_cost"] if first else zero,
        utilization=actual * 100 / allocated if allocated else None,
        days=[UtilizationDay.model_validate(dict(r)) for r in rows],
    )
