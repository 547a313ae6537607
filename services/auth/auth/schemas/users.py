"""Users: the public shape, invitations, profile and role updates, passwords, list filters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import Field
from servelo_common.schemas import ApiInput, ApiOutput, IdOut, Name, OptionalPhone, Text, Timestamp

from auth.domain.users import UserStatus
from auth.schemas import ROLES, Password, Role
from auth.schemas.magic_links import EmailInput


# A user as admins (and the user themselves) see them; never the password hash.
class UserPublic(ApiOutput):
    id: IdOut
    name: str
    email: str
    role: str
    active: bool
    status: str
    auth_provider: str
    phone: str | None
    notes: str | None
    avatar_url: str | None
    has_password: bool
    created_at: Timestamp
    updated_at: Timestamp


class TechnicianPublic(ApiOutput):
    id: IdOut
    name: str
    email: str
    role: str
    phone: str | None
    avatar_url: str | None


class InviteInput(EmailInput):
    name: Name
    role: Role = "technician"


class UserUpdate(ApiInput):
    name: Name | None = None
    role: Role | None = None
    phone: OptionalPhone = None
    notes: Text | None = None
    avatar_url: Annotated[str, Field(max_length=2000)] | None = None


class SetPasswordInput(ApiInput):
    password: Password


class UserQuery(ApiInput):
    """`GET /api/users` filters; an unknown role or status filters nothing (as ever)."""

    role: Role | None = None
    status: UserStatus | None = None

    @classmethod
    def of(cls, params: Mapping[str, str]) -> UserQuery:
        role, status = params.get("role"), params.get("status")
        return cls.model_validate(
            {
                "role": role if role in ROLES else None,
                "status": status if status in set(UserStatus) else None,
            }
        )
