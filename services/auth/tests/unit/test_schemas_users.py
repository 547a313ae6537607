"""The public shape of a user, and the list filters."""

from __future__ import annotations

import pytest
from auth.domain.users import UserStatus
from auth.schemas.users import UserPublic, UserQuery
from pydantic import ValidationError

from .conftest import make_user


def test_user_view_never_exposes_the_hash() -> None:
    user = make_user(status="invited", password_hash="$argon2id$...")
    view = UserPublic.model_validate(user).model_dump(mode="json")
    assert "password_hash" not in view and "$argon2id$..." not in view.values()
    assert view["has_password"] is True and view["active"] is True
    assert view["status"] == "invited" and view["auth_provider"] == "password"
    assert make_user(password_hash=None).auth_provider == "magic_link"


def test_deactivated_user_is_not_active() -> None:
    view = UserPublic.model_validate(make_user(status="deactivated")).model_dump(mode="json")
    assert view["active"] is False and view["status"] == "deactivated"


def test_unknown_filters_are_invalid_input() -> None:
    """What the document says: `role` and `status` are enums (400 for anything else)."""
    with pytest.raises(ValidationError):
        UserQuery.model_validate({"role": "boss"})
    with pytest.raises(ValidationError):
        UserQuery.model_validate({"status": "gone"})
    known = UserQuery.model_validate({"role": "manager", "status": "invited"})
    assert known.role == "manager" and known.status is UserStatus.INVITED
