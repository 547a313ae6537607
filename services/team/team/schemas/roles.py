"""Job roles: the body of a create or rename, and the answer."""

from __future__ import annotations

from servelo_common.schemas import ApiInput, ApiOutput

from team.schemas import Name


class RoleCreate(ApiInput):
    name: Name


class RolePublic(ApiOutput):
    id: int
    name: str
