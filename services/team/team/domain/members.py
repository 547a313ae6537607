"""Team members: a rate per hour, an optional role, and when one may be deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from servelo_common.sql import Row

from team.domain.roles import Role

ACTIVE_ALLOCATIONS = "Cannot delete team member with active allocations"
HISTORICAL_DATA = "Cannot delete team member with historical data"
DEACTIVATE_SUGGESTION = "Consider deactivating the team member instead"


@dataclass(frozen=True, slots=True)
class Member:
    id: UUID
    name: str
    role: Role | None
    hourly_rate: Decimal
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Member:
        """From a member row joined with its role's name (`role_name`)."""
        role_id = row["role_id"]
        return cls(
            id=row["id"],
            name=row["name"],
            role=None if role_id is None else Role(id=role_id, name=row["role_name"]),
            hourly_rate=row["hourly_rate"],
            active=row["active"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    @property
    def role_id(self) -> int | None:
        return None if self.role is None else self.role.id


def delete_refusal(
    *, today: date, last_allocation_end: date | None, has_actuals: bool
) -> str | None:
    """Why a member cannot be deleted (the reference's messages), or None when it can."""
    if last_allocation_end is not None and last_allocation_end >= today:
        return ACTIVE_ALLOCATIONS
    if last_allocation_end is not None or has_actuals:
        return HISTORICAL_DATA
    return None
