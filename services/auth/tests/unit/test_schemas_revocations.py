"""Revocations as the gateway's snapshot reads them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from auth.domain.revocations import Revocation, Scope
from auth.schemas.revocations import RevocationEntry


def test_an_entry_names_scope_subject_and_instant_in_seconds() -> None:
    subject = uuid.uuid4()
    at = datetime.fromtimestamp(1_770_000_000.123, UTC)
    entry = RevocationEntry.of(Revocation(Scope.SESSION, subject, at))
    assert entry.model_dump(mode="json") == {
        "scope": "session",
        "id": str(subject),
        "revoked_at": 1_770_000_000.123,
    }
