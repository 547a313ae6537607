"""Orgs (the tenant registry) and the system org's rules, with no I/O."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from servelo_common.errors import ApiError
from servelo_common.sql import Row

ORG_NOT_FOUND = "Organization not found"
ORG_SUSPENDED = "Organization is suspended"
SLUG_TAKEN = "An organization with this slug already exists"


@dataclass(frozen=True, slots=True)
class Org:
    id: UUID
    slug: str
    name: str
    plan: str
    active: bool
    created_at: datetime
    # Counted only where it is shown (the system admin's API), else None.
    user_count: int | None = None

    @classmethod
    def from_row(cls, row: Row) -> Org:
        return cls(
            id=row["id"],
            slug=row["slug"],
            name=row["name"],
            plan=row["plan"],
            active=row["active"],
            created_at=row["created_at"],
        )

    @classmethod
    def counted(cls, row: Row) -> Org:
        """From a row that carries the org's `user_count` too."""
        return replace(cls.from_row(row), user_count=row["user_count"])


def check_system_org_change(*, is_system: bool, suspending: bool) -> None:
    """The system org hosts the system admins: it cannot be suspended (409)."""
    if is_system and suspending:
        raise ApiError(409, "The system organization cannot be suspended")


def check_system_org_deletion(*, is_system: bool) -> None:
    if is_system:
        raise ApiError(409, "The system organization cannot be deleted")
