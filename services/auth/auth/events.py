"""Events auth publishes (source `auth`); payloads are documented in docs/events/auth.md."""

from __future__ import annotations

from typing import Any, ClassVar

from servelo_common.events import DomainEvent


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


class AuditEvent(DomainEvent):
    """An action of the audit trail, as an event of the tenant's feed (`domain.audit`).
    Never a password, token or full address: `ip_prefix` is the client's /24 (IPv4) or
    /48 (IPv6) network."""

    source: ClassVar[str] = "auth"
    user_id: str | None
    actor_id: str | None
    ip_prefix: str | None


class UserSignedIn(AuditEvent):
    type: ClassVar[str] = "user-signed-in"
    method: str | None


class SignInFailed(AuditEvent):
    """`user_id` and `email` only when the email named a user of the org: what an
    attacker typed into an unknown email (a password, sometimes) never leaves auth."""

    type: ClassVar[str] = "sign-in-failed"
    email: str | None


class SignInRefused(AuditEvent):
    type: ClassVar[str] = "sign-in-refused"
    reason: str


class UserSignedOut(AuditEvent):
    type: ClassVar[str] = "user-signed-out"


class UserRoleChanged(AuditEvent):
    type: ClassVar[str] = "user-role-changed"
    previous_role: str | None
    role: str | None


class SessionRevoked(AuditEvent):
    type: ClassVar[str] = "session-revoked"
    session_id: str | None


class SessionsRevoked(AuditEvent):
    type: ClassVar[str] = "sessions-revoked"


class RefreshTokenReused(AuditEvent):
    type: ClassVar[str] = "refresh-token-reused"
    session_id: str | None


class LoginLinkSent(AuditEvent):
    type: ClassVar[str] = "login-link-sent"


class UserPasswordSet(AuditEvent):
    type: ClassVar[str] = "user-password-set"


class UserPasswordChanged(AuditEvent):
    type: ClassVar[str] = "user-password-changed"
