"""The audit trail as admins read it."""

from __future__ import annotations

from servelo_common.schemas import ApiOutput, IdOut, Timestamp


class AuditPublic(ApiOutput):
    id: IdOut
    action: str
    actor_id: IdOut | None
    user_id: IdOut | None
    details: dict[str, object]
    ip: str | None
    created_at: Timestamp
