"""Revocations as the gateway's snapshot takes them (`/internal/revocations`)."""

from __future__ import annotations

from pydantic import BaseModel

from auth.domain.revocations import Revocation


class RevocationEntry(BaseModel):
    """Tokens of the scope's subject (`id`) issued before `revoked_at` (epoch seconds, ms
    precision) are refused."""

    scope: str
    id: str
    revoked_at: float

    @classmethod
    def of(cls, revocation: Revocation) -> RevocationEntry:
        return cls(
            scope=revocation.scope.value,
            id=str(revocation.subject_id),
            revoked_at=revocation.revoked_at.timestamp(),
        )
