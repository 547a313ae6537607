"""Sessions (refresh-token families) and the tokens a sign-in hands out, with no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from servelo_common.sql import FromRow, Row

from auth.domain.users import User, UserStatus

INVALID_CREDENTIALS = "Invalid credentials"
INVALID_REFRESH = "Invalid or expired refresh token"


@dataclass(frozen=True, slots=True)
class Session:
    """One of a user's live sessions, as they list them; `current` is the caller's own."""

    id: UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    user_agent: str | None
    ip: str | None
    current: bool

    @classmethod
    def from_row(cls, row: Row, *, current: UUID | None) -> Session:
        return cls(
            id=row["id"],
            created_at=row["created_at"],
            last_used_at=row["last_used_at"],
            expires_at=row["expires_at"],
            user_agent=row["user_agent"],
            ip=row["ip"],
            current=row["id"] == current,
        )


@dataclass(frozen=True, slots=True)
class SessionTokens:
    """What a sign-in or a refresh answers: a signed access token, the session's new refresh
    token, and the user they were signed for (read in the signing transaction)."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int
    user: User


@dataclass(frozen=True, slots=True)
class RefreshedSession(FromRow):
    """The session a presented refresh token belongs to, with its user's status."""

    converters = {"current_hash": bytes, "user_status": UserStatus}

    id: UUID
    user_id: UUID
    current_hash: bytes = field(repr=False)
    expires_at: datetime
    revoked_at: datetime | None
    user_status: UserStatus

    def usable(self, now: datetime) -> bool:
        """Not ended, not expired, and its user may still sign in."""
        return self.revoked_at is None and self.expires_at > now and self.user_status.signs_in

    def rotated_away(self, presented: bytes) -> bool:
        """The token is an earlier one of the family (a copy someone kept): reuse."""
        return presented != self.current_hash
