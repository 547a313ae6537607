"""Team members: list, get, create, update (a new rate from today on), delete (refused while
the member has allocations or recorded hours)."""

from __future__ import annotations

from uuid import UUID, uuid4

import asyncpg
from servelo_common.db import Pool, tenant_tx
from servelo_common.errors import ApiError, NotFound, RequestValidationError, found
from servelo_common.events import emit
from servelo_common.identity import Identity
from servelo_common.pagination import PageRequest

from team.domain.members import DEACTIVATE_SUGGESTION, Member, delete_refusal
from team.events import TeamMemberCreated, TeamMemberDeleted, TeamMemberUpdated
from team.repository import members as repo
from team.repository import roles as roles_repo
from team.schemas.members import TeamMemberCreate, TeamMemberQuery, TeamMemberUpdate
from team.service import org_of, today

NOT_FOUND = "Team member not found"


async def _check_role(conn: asyncpg.Connection, org_id: UUID, role_id: int | None) -> None:
    # KEY SHARE: the role cannot be deleted before this transaction commits.
    if (
        role_id is not None
        and await roles_repo.get_role(conn, org_id=org_id, role_id=role_id, lock="KEY SHARE")
        is None
    ):
        raise RequestValidationError({"role_id": ["The selected role id is invalid."]})


async def list_members(
    pool: Pool, *, ident: Identity, query: TeamMemberQuery, page: PageRequest
) -> list[Member]:
    org_id = org_of(ident)
    async with tenant_tx(pool, org_id, readonly=True) as conn:
        rows = await repo.list_members(
            conn,
            org_id=org_id,
            query=query,
            limit=page.limit + 1,
            after=page.cursor,
            since=page.since,
        )
    return [Member.from_row(r) for r in rows]


async def get_member(pool: Pool, *, ident: Identity, member_id: UUID) -> Member:
    org_id = org_of(ident)
    async with tenant_tx(pool, org_id, readonly=True) as conn:
        row = await repo.get_member(conn, org_id=org_id, member_id=member_id)
    return Member.from_row(found(row, NOT_FOUND))


async def create_member(pool: Pool, *, ident: Identity, data: TeamMemberCreate) -> Member:
    org_id = org_of(ident)
    async with tenant_tx(pool, org_id) as conn:
        await _check_role(conn, org_id, data.role_id)
        member = Member.from_row(
            await repo.insert_member(
                conn,
                org_id=org_id,
                member_id=uuid4(),
                name=data.name,
                role_id=data.role_id,
                hourly_rate=data.hourly_rate,
                active=data.active,
            )
        )
        await repo.set_rate(
            conn, org_id=org_id, member_id=member.id, rate=member.hourly_rate, effective_from=None
        )
        await emit(conn, TeamMemberCreated.of(member), tenant=org_id, subject=member.id)
    return member


async def update_member(
    pool: Pool, *, ident: Identity, member_id: UUID, data: TeamMemberUpdate
) -> Member:
    org_id = org_of(ident)
    changes = data.provided()
    async with tenant_tx(pool, org_id) as conn:
        current = await repo.lock_member(conn, org_id=org_id, member_id=member_id)
        if current is None:
            raise NotFound(NOT_FOUND)
        if "role_id" in changes:
            await _check_role(conn, org_id, changes["role_id"])
        row = await repo.update_member(conn, org_id=org_id, member_id=member_id, changes=changes)
        assert row is not None  # locked above
        member = Member.from_row(row)
        if member.hourly_rate != current["hourly_rate"]:
            # From today on; the days before keep the rate they had.
            await repo.set_rate(
                conn,
                org_id=org_id,
                member_id=member_id,
                rate=member.hourly_rate,
                effective_from=today(),
            )
        await emit(conn, TeamMemberUpdated.of(member), tenant=org_id, subject=member_id)
    return member


async def delete_member(pool: Pool, *, ident: Identity, member_id: UUID) -> None:
    org_id = org_of(ident)
    async with tenant_tx(pool, org_id) as conn:
        # Locked first: a booking or recorded hours cannot slip in after the check.
        if await repo.lock_member(conn, org_id=org_id, member_id=member_id) is None:
            raise NotFound(NOT_FOUND)
        last_end, acted = await repo.member_history(conn, org_id=org_id, member_id=member_id)
        refusal = delete_refusal(today=today(), last_allocation_end=last_end, has_actuals=acted)
        if refusal is not None:
            raise ApiError(422, refusal, suggestion=DEACTIVATE_SUGGESTION)
        await repo.delete_member(conn, org_id=org_id, member_id=member_id)
        await emit(conn, TeamMemberDeleted(id=str(member_id)), tenant=org_id, subject=member_id)
