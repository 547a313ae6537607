"""Team members: create, update (the fields sent), the answer with its role, the filters."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, PlainSerializer
from servelo_common.jsonutil import money_str
from servelo_common.schemas import (
    ApiInput,
    ApiOutput,
    DecimalJson,
    Flag,
    IdOut,
    MoneyOut,
    Timestamp,
    Within,
)
from servelo_common.values import no_float

from team.schemas import REQUIRED, IntId, Name
from team.schemas.roles import ROLE_EXAMPLE, RoleRef

# The reference's examples (team-api-reference.txt, Team Members).
_CREATE: dict[str, Any] = {
    "name": "John Doe",
    "role_id": 1,
    "hourly_rate": "150.00",
    "active": True,
}
_UPDATE: dict[str, Any] = {
    "name": "John Doe",
    "role_id": 1,
    "hourly_rate": "175.00",
    "active": False,
}
_MEMBER: dict[str, Any] = {
    "id": "550e8400-e29b-41d4-a716-446655440000",
    "name": "John Doe",
    "role_id": 1,
    "role": ROLE_EXAMPLE,
    "hourly_rate": "150.00",
    "active": True,
    "created_at": "2024-01-15T10:00:00Z",
    "updated_at": "2024-01-15T10:00:00Z",
}


# Money, more than 0: the reference's `Hourly rate must be greater than 0`.
HourlyRate = Annotated[
    Decimal,
    BeforeValidator(no_float),
    Field(max_digits=14, decimal_places=2),
    Within("Hourly rate", gt=0),
    PlainSerializer(money_str, return_type=str),
    DecimalJson(places=2),
]


class TeamMemberCreate(ApiInput):
    model_config = ConfigDict(json_schema_extra={"examples": [_CREATE]})

    name: Name
    role_id: IntId | None = None
    hourly_rate: HourlyRate
    active: Flag = True


class TeamMemberUpdate(ApiInput):
    """PUT: the fields sent are changed; the others keep their value."""

    model_config = ConfigDict(json_schema_extra={"examples": [_UPDATE]})

    name: Annotated[Name | None, REQUIRED] = None
    role_id: IntId | None = None
    hourly_rate: Annotated[HourlyRate | None, REQUIRED] = None
    active: Annotated[Flag | None, REQUIRED] = None


class TeamMemberPublic(ApiOutput):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_MEMBER]})

    id: IdOut
    name: str
    role_id: int | None
    role: RoleRef | None
    hourly_rate: MoneyOut
    active: bool
    created_at: Timestamp
    updated_at: Timestamp


class TeamMemberQuery(ApiInput):
    active: Annotated[bool | None, Field(description="`1` (or `true`): active members only.")] = (
        None
    )
