"""Request and response bodies of auth's routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator
from servelo_common.schemas import (
    ApiInput,
    ApiOutput,
    Email,
    IdOut,
    Name,
    OptionalPhone,
    Text,
    Timestamp,
)
from servelo_common.values import normalize_email

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
Role = Literal["admin", "manager", "technician"]
# Never stripped: whitespace is part of a password.
Password = Annotated[str, StringConstraints(strip_whitespace=False, min_length=8, max_length=1024)]
AnyPassword = Annotated[
    str, StringConstraints(strip_whitespace=False, min_length=1, max_length=1024)
]


class EmailInput(ApiInput):
    email: Email


class LoginInput(ApiInput):
    email: Annotated[str, Field(min_length=1, max_length=254)]
    password: AnyPassword

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        # The stored form when it is an address; anything else simply matches nobody (a
        # login never says whether an email is valid, only "Invalid credentials").
        try:
            return normalize_email(value)
        except ValueError:
            return value.strip().lower()


class RefreshInput(ApiInput):
    refresh_token: Annotated[str, Field(min_length=1, max_length=512)]


class LogoutInput(ApiInput):
    refresh_token: Annotated[str, Field(max_length=512)] | None = None


class UserBrief(BaseModel):
    id: str
    name: str
    email: str
    role: str


class TokenPair(BaseModel):
    accessToken: str
    refreshToken: str
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int
    user: UserBrief


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


class InviteInput(EmailInput):
    name: Name
    role: Role = "technician"


class SetPasswordInput(ApiInput):
    password: Password


class AdminInput(EmailInput):
    name: Name
    password: Password | None = None


class OrgCreate(ApiInput):
    slug: Annotated[str, Field(pattern=SLUG_PATTERN)]
    name: Name
    plan: Annotated[str, Field(min_length=1, max_length=50)] = "free"
    admin: AdminInput


class OrgUpdate(ApiInput):
    name: Name | None = None
    plan: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    active: bool | None = None


class OrgPublic(ApiOutput):
    id: IdOut
    slug: str
    name: str
    plan: str
    active: bool
    user_count: int
    created_at: Timestamp


class UserUpdate(ApiInput):
    name: Name | None = None
    role: Role | None = None
    phone: OptionalPhone = None
    notes: Text | None = None
    avatar_url: Annotated[str, Field(max_length=2000)] | None = None


class ChangePasswordInput(ApiInput):
    current_password: AnyPassword
    new_password: Password


class SessionPublic(ApiOutput):
    id: IdOut
    created_at: Timestamp
    last_used_at: Timestamp
    expires_at: Timestamp
    user_agent: str | None
    ip: str | None
    current: bool


class AuditPublic(ApiOutput):
    id: IdOut
    action: str
    actor_id: IdOut | None
    user_id: IdOut | None
    details: dict[str, object]
    ip: str | None
    created_at: Timestamp


class TechnicianPublic(ApiOutput):
    id: IdOut
    name: str
    email: str
    role: str
    phone: str | None
    avatar_url: str | None


class AdminUserUpdate(ApiInput):
    role: Role | None = None
    active: bool | None = None
