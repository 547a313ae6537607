"""Job roles: the body of a create or rename, and the answer."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict
from servelo_common.schemas import ApiInput, ApiOutput

from team.schemas import Name

# The reference's role (team-api-reference.txt).
ROLE_EXAMPLE: dict[str, Any] = {"id": 1, "name": "Backend Developer"}


class RoleCreate(ApiInput):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Backend Developer"}]})

    name: Name


class RolePublic(ApiOutput):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [ROLE_EXAMPLE]})

    id: int
    name: str
