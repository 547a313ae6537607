"""Users and their lifecycle, with no I/O.

    invited --first sign-in--> active --deactivate--> deactivated --reactivate--> active
    invited --deactivate--> deactivated

A deactivated user cannot sign in (nor be sent a link); only reactivation brings them back.
Code asks the object (`user.can_sign_in`, `user.activation()`), never compares a status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from servelo_common.errors import ApiError
from servelo_common.sql import FromRow

ACCOUNT_INACTIVE = "Account is inactive"
LAST_ADMIN = "Cannot remove the organization's last admin"
# `set-password` on an account that has a password needs a sign-in this recent.
REAUTH_WINDOW = timedelta(minutes=5)


class UserStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    DEACTIVATED = "deactivated"

    @property
    def signs_in(self) -> bool:
        """Invited users may sign in too (by link, or a password an admin set)."""
        return self is not UserStatus.DEACTIVATED


class AccountInactive(ApiError):
    def __init__(self) -> None:
        super().__init__(403, ACCOUNT_INACTIVE, code="account_inactive")


@dataclass(frozen=True, slots=True)
class User(FromRow):
    converters = {"status": UserStatus, "preferences": lambda stored: dict(stored or {})}
    id: UUID
    org_id: UUID
    email: str
    name: str
    role: str
    status: UserStatus
    # Never shown: not in `repr`, and no response schema has the field.
    password_hash: str | None = field(repr=False)
    phone: str | None
    notes: str | None
    avatar_url: str | None
    preferences: dict[str, Any] = field(repr=False)
    created_at: datetime
    updated_at: datetime

    @property
    def can_sign_in(self) -> bool:
        return self.status.signs_in

    @property
    def active(self) -> bool:
        """The public `active` flag: not deactivated (an invited user is active)."""
        return self.status.signs_in

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    @property
    def auth_provider(self) -> str:
        """How the user signs in today: with a password, or only by magic link."""
        return "password" if self.password_hash else "magic_link"

    def ensure_can_sign_in(self) -> None:
        """403 `Account is inactive` for a deactivated user."""
        if not self.can_sign_in:
            raise AccountInactive()

    def activation(self) -> UserStatus | None:
        """The status a sign-in leaves: an invited user becomes active; None when nothing
        changes. A deactivated user cannot sign in at all (403)."""
        self.ensure_can_sign_in()
        return UserStatus.ACTIVE if self.status is UserStatus.INVITED else None

    def deactivation(self) -> UserStatus | None:
        """Deactivated, from invited or active; None when already deactivated (a no-op)."""
        return None if self.status is UserStatus.DEACTIVATED else UserStatus.DEACTIVATED

    def reactivation(self) -> UserStatus | None:
        """Active again, only from deactivated; None otherwise (an invited user stays
        invited until they sign in)."""
        return UserStatus.ACTIVE if self.status is UserStatus.DEACTIVATED else None

    def check_keeps_an_admin(
        self, *, new_role: str | None, deactivating: bool, other_active_admins: int
    ) -> None:
        """An org always keeps one active admin: 409 on demoting or removing the last one."""
        is_active_admin = self.role == "admin" and self.can_sign_in
        loses_admin = deactivating or (new_role is not None and new_role != "admin")
        if is_active_admin and loses_admin and other_active_admins == 0:
            raise ApiError(409, LAST_ADMIN)

    def may_set_password(self, *, signed_in_at: datetime | None, now: datetime) -> bool:
        """Without a password, the first one is set freely; replacing one needs a sign-in
        (not a refresh) within `REAUTH_WINDOW`, so a stolen access token alone cannot."""
        if self.password_hash is None:
            return True
        return signed_in_at is not None and signed_in_at >= now - REAUTH_WINDOW


@dataclass(frozen=True, slots=True)
class Technician(FromRow):
    """An active user as anyone of the org may see them (for assigning work): no notes."""

    id: UUID
    name: str
    email: str
    role: str
    phone: str | None
    avatar_url: str | None
