"""A presented refresh token's session: when it is usable, when it is reuse."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from auth.domain.sessions import RefreshedSession, Session

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def session(**fields: Any) -> RefreshedSession:
    row = {
        "id": uuid.uuid4(),
        "user_id": uuid.uuid4(),
        "current_hash": b"current",
        "expires_at": NOW + timedelta(days=1),
        "revoked_at": None,
        "user_status": "active",
        **fields,
    }
    return RefreshedSession.from_row(row)


def test_a_live_session_of_a_user_who_may_sign_in_is_usable() -> None:
    assert session().usable(NOW)
    assert session(user_status="invited").usable(NOW)


@pytest.mark.parametrize(
    "fields",
    [{"revoked_at": NOW}, {"expires_at": NOW}, {"user_status": "deactivated"}],
    ids=["ended", "expired", "deactivated-user"],
)
def test_an_ended_expired_or_deactivated_session_is_not(fields: dict[str, Any]) -> None:
    assert not session(**fields).usable(NOW)


def test_an_earlier_token_of_the_family_is_reuse() -> None:
    assert not session().rotated_away(b"current")
    assert session().rotated_away(b"earlier")


def test_the_callers_own_session_is_current() -> None:
    own = uuid.uuid4()
    row = {
        "id": own,
        "created_at": NOW,
        "last_used_at": NOW,
        "expires_at": NOW,
        "user_agent": None,
        "ip": None,
    }
    assert Session.from_row(row, current=own).current
    assert not Session.from_row(row, current=uuid.uuid4()).current
    assert not Session.from_row(row, current=None).current
