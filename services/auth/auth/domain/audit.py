"""The audit trail's entries, and which of its actions are events of the feed, with no I/O.

Actions with a domain event of their own (`user-invited`, `org-updated`, ...) are not
repeated. Failed and refused sign-ins are capped per org (`CAPPED`, `EVENTS_PER_MINUTE`):
a password spray must not flood the outbox, the feed and every webhook; the audit trail
keeps every attempt."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from servelo_common.sql import FromRow

from auth import events as ev

# Per org and minute, for each of these: beyond it, no event (the audit entry is written).
EVENTS_PER_MINUTE = 20
CAPPED = frozenset({"login_failed", "login_refused"})


@dataclass(frozen=True, slots=True)
class AuditEntry(FromRow):
    converters = {"details": lambda stored: dict(stored or {})}
    id: UUID
    action: str
    actor_id: UUID | None
    user_id: UUID | None
    details: dict[str, Any]
    ip: str | None
    created_at: datetime


def ip_prefix(ip: str | None) -> str | None:
    """The client's network, not its address: /24 for IPv4, /48 for IPv6."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    bits = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def audit_event(
    action: str,
    *,
    user_id: UUID | None,
    actor_id: UUID | None,
    details: dict[str, Any],
    ip: str | None,
) -> ev.AuditEvent | None:
    """The feed's event for an audit action; None for those that are not events."""
    base: dict[str, Any] = {
        "user_id": _text(user_id),
        "actor_id": _text(actor_id),
        "ip_prefix": ip_prefix(ip),
    }
    match action:
        case "login":
            return ev.UserSignedIn(**base, method=_text(details.get("method")))
        case "login_failed":
            email = _text(details.get("email")) if user_id is not None else None
            return ev.SignInFailed(**base, email=email)
        case "login_refused":
            return ev.SignInRefused(**base, reason="inactive")
        case "logout":
            return ev.UserSignedOut(**base)
        case "role_changed":
            return ev.UserRoleChanged(
                **base, previous_role=_text(details.get("from")), role=_text(details.get("to"))
            )
        case "session_revoked":
            return ev.SessionRevoked(**base, session_id=_text(details.get("session_id")))
        case "sessions_revoked":
            return ev.SessionsRevoked(**base)
        case "refresh_reuse":
            return ev.RefreshTokenReused(**base, session_id=_text(details.get("session_id")))
        case "login_link_sent":
            return ev.LoginLinkSent(**base)
        case "password_set":
            return ev.UserPasswordSet(**base)
        case "password_changed":
            return ev.UserPasswordChanged(**base)
    return None
