"""A member's utilization over a window: allocated vs actual hours and their cost."""

from __future__ import annotations

from uuid import UUID

from servelo_common.db import Pool, tenant_tx
from servelo_common.errors import NotFound
from servelo_common.identity import Identity

from team.domain.utilization import Utilization
from team.repository import members as members_repo
from team.repository import utilization as repo
from team.schemas.utilization import UtilizationQuery
from team.service import org_of
from team.service.members import NOT_FOUND


async def get_utilization(
    pool: Pool, *, ident: Identity, member_id: UUID, query: UtilizationQuery
) -> Utilization:
    org_id = org_of(ident)
    async with tenant_tx(pool, org_id, readonly=True) as conn:
        if await members_repo.get_member(conn, org_id=org_id, member_id=member_id) is None:
            raise NotFound(NOT_FOUND)
        rows = await repo.utilization_days(
            conn, org_id=org_id, member_id=member_id, start=query.start, end=query.end
        )
    return Utilization.from_rows(rows, team_member_id=member_id, start=query.start, end=query.end)
