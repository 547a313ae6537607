"""Team members: create, update (the fields sent), the answer with its role, the filters."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, field_validator
from servelo_common.schemas import ApiInput, ApiOutput, IdOut, Money, MoneyOut, Timestamp

from team.schemas import IntId, Name, not_null
from team.schemas.roles import RolePublic


def _positive_rate(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("Hourly rate must be greater than 0")
    return value


HourlyRate = Annotated[Money, AfterValidator(_positive_rate)]


class TeamMemberCreate(ApiInput):
    name: Name
    role_id: IntId | None = None
    hourly_rate: HourlyRate
    active: bool = True


class TeamMemberUpdate(ApiInput):
    """PUT: the fields sent are changed; the others keep their value."""

    name: Name | None = None
    role_id: IntId | None = None
    hourly_rate: HourlyRate | None = None
    active: bool | None = None

    non_null = field_validator("name", "hourly_rate", "active", mode="before")(not_null)


class TeamMemberPublic(ApiOutput):
    id: IdOut
    name: str
    role_id: int | None
    role: RolePublic | None
    hourly_rate: MoneyOut
    active: bool
    created_at: Timestamp
    updated_at: Timestamp


class TeamMemberQuery(ApiInput):
    active: bool | None = None
