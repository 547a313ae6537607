"""Job roles: the body of a create or rename, and the answer."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict
from servelo_common.schemas import ApiInput, ApiOutput, Timestamp

from team.schemas import Name

# The reference's role (team-api-reference.txt).
ROLE_EXAMPLE: dict[str, Any] = {"id": 1, "name": "Backend Developer"}


class RoleCreate(ApiInput):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Backend Developer"}]})

    name: Name


class RoleRef(ApiOutput):
    """A role as a member embeds it."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [ROLE_EXAMPLE]})

    id: int
    name: str


class RolePublic(RoleRef):
    """A role as `/api/roles` answers it: with the time of its last change, for sync."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [{**ROLE_EXAMPLE, "updated_at": "2026-03-01T09:30:00Z"}]},
    )

    updated_at: Timestamp
