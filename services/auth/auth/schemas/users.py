"""Users: the public shape, invitations, profile and role updates, passwords, list filters."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field, JsonValue, RootModel
from servelo_common.schemas import (
    ApiInput,
    ApiOutput,
    IdOut,
    Name,
    NotNull,
    OptionalPhone,
    Text,
    Timestamp,
)

from auth.domain.users import UserStatus
from auth.schemas import Password, Role
from auth.schemas.magic_links import EmailInput

# The reference's user (team-api-reference.txt, login), as `GET /api/auth/me` shows it.
_ME: dict[str, Any] = {
    "id": "550e8400-e29b-41d4-a716-446655440000",
    "name": "Alice Johnson",
    "email": "user@example.com",
    "role": "manager",
    "active": True,
    "status": "active",
    "auth_provider": "password",
    "phone": None,
    "notes": None,
    "avatar_url": None,
    "has_password": True,
    "created_at": "2024-01-15T10:00:00Z",
    "updated_at": "2024-01-15T10:00:00Z",
}


# A user as admins (and the user themselves) see them; never the password hash.
class UserPublic(ApiOutput):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_ME]})

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
    name: Annotated[Name | None, NotNull("The name is required.")] = None
    role: Role | None = None
    phone: OptionalPhone = None
    notes: Text | None = None
    avatar_url: Annotated[str, Field(max_length=2000)] | None = None


class SetPasswordInput(ApiInput):
    password: Password


class UserQuery(ApiInput):
    """`GET /api/users` filters."""

    role: Role | None = None
    status: UserStatus | None = None


class Preferences(RootModel[dict[str, JsonValue]]):
    """A user's preferences: any JSON object, the client's to shape. A `PUT` deep-merges
    into them; `null` deletes a key."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"theme": "dark"}]})
