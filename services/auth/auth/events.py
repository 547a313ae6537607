"""Events auth publishes (source `auth`); payloads are documented in docs/events/auth.md."""

from __future__ import annotations

from typing import Any, ClassVar

from servelo_common.events import DomainEvent
from servelo_common.jsonutil import iso_z

from auth.domain.orgs import Org
from auth.domain.users import User


class OrgEvent(DomainEvent):
    source: ClassVar[str] = "auth"
    id: str
    slug: str
    name: str
    plan: str
    active: bool
    created_at: str


class OrgCreated(OrgEvent):
    type: ClassVar[str] = "org-created"


class OrgUpdated(OrgEvent):
    type: ClassVar[str] = "org-updated"


class OrgDeleted(DomainEvent):
    source: ClassVar[str] = "auth"
    type: ClassVar[str] = "org-deleted"
    id: str
    slug: str


class UserEvent(DomainEvent):
    source: ClassVar[str] = "auth"
    id: str
    org_id: str
    name: str
    email: str
    role: str
    active: bool
    status: str


class UserCreated(UserEvent):
    type: ClassVar[str] = "user-created"


class UserInvited(UserEvent):
    type: ClassVar[str] = "user-invited"


class UserActivated(UserEvent):
    type: ClassVar[str] = "user-activated"


class UserUpdated(UserEvent):
    type: ClassVar[str] = "user-updated"


class UserReactivated(UserEvent):
    type: ClassVar[str] = "user-reactivated"


class UserDeactivated(UserEvent):
    type: ClassVar[str] = "user-deactivated"
    revoked_at: float


class UserDeleted(DomainEvent):
    source: ClassVar[str] = "auth"
    type: ClassVar[str] = "user-deleted"
    id: str
    org_id: str
    revoked_at: float


class TokensRevoked(DomainEvent):
    """Access tokens of a scope issued before `revoked_at` are refused (by the gateway).

    `scope` is `user` (ids: user ids), `session` (refresh-token family ids, the `sid`
    claim) or `org` (the org id)."""

    source: ClassVar[str] = "auth"
    type: ClassVar[str] = "tokens-revoked"
    org_id: str
    scope: str
    ids: list[str]
    reason: str
    revoked_at: float


class LoginLinkRequested(DomainEvent):
    """The fact only: the link itself travels in the mail queue, never on the stream."""

    source: ClassVar[str] = "auth"
    type: ClassVar[str] = "login-link-requested"
    id: str
    org_id: str
    purpose: str


class SettingsUpdated(DomainEvent):
    source: ClassVar[str] = "auth"
    type: ClassVar[str] = "settings-updated"
    org_id: str
    settings: dict[str, Any]


def user_fields(user: User) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "org_id": str(user.org_id),
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "active": user.active,
        "status": user.status.value,
    }


def org_fields(org: Org) -> dict[str, Any]:
    return {
        "id": str(org.id),
        "slug": org.slug,
        "name": org.name,
        "plan": org.plan,
        "active": org.active,
        "created_at": iso_z(org.created_at),
    }
