"""The audit trail's public shape."""

from __future__ import annotations

from auth.domain.audit import AuditEntry
from auth.schemas.audit import AuditPublic

from .test_domain_audit import audit_row


def test_an_entry_as_admins_read_it() -> None:
    row = audit_row(actor_id=None)
    public = AuditPublic.model_validate(AuditEntry.from_row(row)).model_dump(mode="json")
    assert public == {
        "id": str(row["id"]),
        "action": "login",
        "actor_id": None,
        "user_id": str(row["user_id"]),
        "details": {"method": "password"},
        "ip": "10.0.0.1",
        "created_at": "2026-03-01T00:00:00.000000Z",
    }
