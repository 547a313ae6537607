"""Signing in and out: the bodies of login, refresh and logout, the token pair, sessions."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from servelo_common.schemas import ApiInput, ApiOutput, IdOut, Timestamp
from servelo_common.values import normalize_email

from auth.domain.sessions import SessionTokens
from auth.schemas import AnyPassword

# Examples from the references (team-api-reference.txt), with this API's 900-second
# tokens and both spellings of the token pair (CONTRACT.md, Tokens).
_USER: dict[str, Any] = {
    "id": "550e8400-e29b-41d4-a716-446655440000",
    "name": "Alice Johnson",
    "email": "user@example.com",
    "role": "manager",
}
_PAIR: dict[str, Any] = {
    "accessToken": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9...",
    "refreshToken": "abc123def456",
    "access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9...",
    "refresh_token": "abc123def456",
    "token_type": "bearer",
    "expires_in": 900,
    "user": _USER,
}


class LoginInput(ApiInput):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "user@example.com", "password": "secret123"}]}
    )

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
    """`refresh_token`, or `refreshToken` as the servelo reference spells it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"refresh_token": "abc123def456"}, {"refreshToken": "abc123def456"}]
        }
    )

    refresh_token: Annotated[str, Field(min_length=1, max_length=512)]


class LogoutInput(ApiInput):
    """The refresh token of the session to end; without one, nothing is revoked."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"refresh_token": "abc123def456"}]})

    refresh_token: Annotated[str, Field(max_length=512)] | None = None


class UserBrief(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_USER]})

    id: str
    name: str
    email: str
    role: str


# Both spellings, so that clients of either API reference work unchanged.
class TokenPair(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_PAIR]})

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


class Jwk(BaseModel):
    """An Ed25519 public key (RFC 8037) that verifies access tokens with the same `kid`."""

    kty: str
    crv: str
    x: str
    kid: str
    alg: str
    use: str


class JwksPublic(BaseModel):
    keys: list[Jwk]


class SessionPublic(ApiOutput):
    id: IdOut
    created_at: Timestamp
    last_used_at: Timestamp
    expires_at: Timestamp
    user_agent: str | None
    ip: str | None
    current: bool
