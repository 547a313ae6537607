"""Audit entries from their rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from auth.domain.audit import AuditEntry, audit_event, ip_prefix


def audit_row(**fields: Any) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "org_id": uuid.uuid4(),
        "action": "login",
        "actor_id": None,
        "user_id": uuid.uuid4(),
        "details": {"method": "password"},
        "ip": "10.0.0.1",
        "created_at": datetime(2026, 3, 1, tzinfo=UTC),
        **fields,
    }


def test_an_entry_reads_its_row_and_no_details_is_empty() -> None:
    row = audit_row()
    entry = AuditEntry.from_row(row)
    assert entry.action == "login" and entry.user_id == row["user_id"]
    assert entry.details == {"method": "password"}
    assert AuditEntry.from_row(audit_row(details=None)).details == {}


def test_sign_in_actions_become_events_and_others_do_not() -> None:
    uid = uuid.uuid4()
    signed_in = audit_event(
        "login", user_id=uid, actor_id=uid, details={"method": "password"}, ip="203.0.113.77"
    )
    assert signed_in is not None and signed_in.type == "user-signed-in"
    assert signed_in.model_dump() == {
        "user_id": str(uid),
        "actor_id": str(uid),
        "ip_prefix": "203.0.113.0/24",
        "method": "password",
    }
    for action in ("user_invited", "org_updated", "settings_updated", "login_link_requested"):
        assert audit_event(action, user_id=uid, actor_id=uid, details={}, ip=None) is None


def test_a_failed_sign_in_names_the_email_only_when_it_is_a_users() -> None:
    typed = {"email": "hunter2-typed-in-the-email-field"}
    stranger = audit_event("login_failed", user_id=None, actor_id=None, details=typed, ip=None)
    assert stranger is not None and stranger.model_dump()["email"] is None
    uid = uuid.uuid4()
    known = audit_event(
        "login_failed", user_id=uid, actor_id=None, details={"email": "a@b.test"}, ip="2001:db8::1"
    )
    assert known is not None
    assert known.model_dump()["email"] == "a@b.test"
    assert known.model_dump()["ip_prefix"] == "2001:db8::/48"


def test_ip_prefix_of_garbage_is_none() -> None:
    assert ip_prefix("not an address") is None and ip_prefix(None) is None
