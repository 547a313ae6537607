"""What auth's events carry about users and orgs: never a secret."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from auth import events
from auth.domain.orgs import Org

from .conftest import make_user


def test_user_events_carry_status_and_active_and_no_hash() -> None:
    user = make_user(status="deactivated", password_hash="$argon2id$secret")
    deactivated = events.UserDeactivated.of(user, revoked_at=1.5)
    fields = deactivated.model_dump(exclude={"revoked_at"})
    assert fields == {
        "id": str(user.id),
        "org_id": str(user.org_id),
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "active": False,
        "status": "deactivated",
    }
    assert deactivated.type == "user-deactivated" and deactivated.revoked_at == 1.5


def test_org_events_carry_the_org() -> None:
    org = Org(uuid.uuid4(), "acme", "Acme", "pro", False, datetime(2026, 1, 2, tzinfo=UTC))
    assert events.OrgUpdated.of(org).model_dump() == {
        "id": str(org.id),
        "slug": "acme",
        "name": "Acme",
        "plan": "pro",
        "active": False,
        "created_at": "2026-01-02T00:00:00.000000Z",
    }
