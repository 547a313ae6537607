"""The audit trail's entries, with no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from servelo_common.sql import Row


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: UUID
    action: str
    actor_id: UUID | None
    user_id: UUID | None
    details: dict[str, Any]
    ip: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> AuditEntry:
        return cls(
            id=row["id"],
            action=row["action"],
            actor_id=row["actor_id"],
            user_id=row["user_id"],
            details=dict(row["details"] or {}),
            ip=row["ip"],
            created_at=row["created_at"],
        )
