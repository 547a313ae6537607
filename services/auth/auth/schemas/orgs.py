"""Orgs, for the system admin (create, list, change) and the gateway's registry."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from servelo_common.schemas import ApiInput, ApiOutput, Flag, IdOut, Name, Timestamp

from auth.schemas import SLUG_PATTERN, Password, Role
from auth.schemas.magic_links import EmailInput

Plan = Annotated[str, Field(min_length=1, max_length=50)]


class AdminInput(EmailInput):
    name: Name
    password: Password | None = None


class OrgCreate(ApiInput):
    slug: Annotated[str, Field(pattern=SLUG_PATTERN)]
    name: Name
    plan: Plan = "free"
    admin: AdminInput


class OrgUpdate(ApiInput):
    name: Name | None = None
    plan: Plan | None = None
    active: Flag | None = None


class OrgPublic(ApiOutput):
    id: IdOut
    slug: str
    name: str
    plan: str
    active: bool
    user_count: int
    created_at: Timestamp


# The system admin changing a user of any org: role, and active (deactivate/reactivate).
class AdminUserUpdate(ApiInput):
    role: Role | None = None
    active: Flag | None = None


class OrgEntry(ApiOutput):
    """An org as the gateway's tenant registry holds it (`/internal/orgs`)."""

    id: IdOut
    slug: str
    name: str
    plan: str
    active: bool
