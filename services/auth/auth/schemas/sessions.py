"""Signing in and out: the bodies of login, refresh and logout, the token pair, sessions."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, field_validator
from servelo_common.schemas import ApiInput, ApiOutput, IdOut, Timestamp
from servelo_common.values import normalize_email

from auth.domain.sessions import SessionTokens
from auth.schemas import AnyPassword


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


# Both spellings, so that clients of either API reference work unchanged.
class TokenPair(BaseModel):
    accessToken: str
    refreshToken: str
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int
    user: UserBrief

    @classmethod
    def of(cls, tokens: SessionTokens) -> TokenPair:
        user = tokens.user
        return cls(
            accessToken=tokens.access_token,
            refreshToken=tokens.refresh_token,
            access_token=tokens.access_token,
            refresh_token=tokens.refresh_token,
            expires_in=tokens.expires_in,
            user=UserBrief(id=str(user.id), name=user.name, email=user.email, role=user.role),
        )


class SessionPublic(ApiOutput):
    id: IdOut
    created_at: Timestamp
    last_used_at: Timestamp
    expires_at: Timestamp
    user_agent: str | None
    ip: str | None
    current: bool
