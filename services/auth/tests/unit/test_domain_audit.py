"""Audit entries from their rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from auth.domain.audit import AuditEntry


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
