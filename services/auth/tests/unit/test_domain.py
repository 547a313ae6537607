"""Pure rules: last admin, deep merge, image sniffing, the public user shape."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from auth.domain import auth_provider, check_last_admin, deep_merge, user_view
from servelo_common.errors import ApiError


def test_last_active_admin_cannot_be_demoted() -> None:
    with pytest.raises(ApiError) as err:
        check_last_admin(
            current_role="admin",
            current_status="active",
            new_role="manager",
            deactivating=False,
            other_active_admins=0,
        )
    assert err.value.status == 409


def test_last_active_admin_cannot_be_deactivated() -> None:
    with pytest.raises(ApiError):
        check_last_admin(
            current_role="admin",
            current_status="active",
            new_role=None,
            deactivating=True,
            other_active_admins=0,
        )


@pytest.mark.parametrize(
    ("role", "status", "new_role", "deactivating", "others"),
    [
        ("admin", "active", "manager", False, 1),
        ("admin", "active", "admin", False, 0),
        ("technician", "active", "manager", True, 0),
        ("admin", "deactivated", "manager", False, 0),
    ],
)
def test_changes_that_keep_an_admin_are_allowed(
    role: str, status: str, new_role: str, deactivating: bool, others: int
) -> None:
    check_last_admin(
        current_role=role,
        current_status=status,
        new_role=new_role,
        deactivating=deactivating,
        other_active_admins=others,
    )


def test_deep_merge_merges_objects_and_null_removes() -> None:
    base = {"a": {"x": 1, "y": 2}, "b": 1, "c": [1]}
    assert deep_merge(base, {"a": {"y": 3, "z": 4}, "b": None, "c": [2]}) == {
        "a": {"x": 1, "y": 3, "z": 4},
        "c": [2],
    }
    assert base == {"a": {"x": 1, "y": 2}, "b": 1, "c": [1]}


def test_user_view_never_exposes_the_hash() -> None:
    now = datetime.now(UTC)
    row = {
        "id": "u",
        "name": "N",
        "email": "e@x.io",
        "role": "admin",
        "status": "invited",
        "password_hash": "$argon2id$...",
        "phone": None,
        "notes": None,
        "avatar_url": None,
        "created_at": now,
        "updated_at": now,
    }
    view = user_view(row)
    assert "password_hash" not in view and "$argon2id$..." not in view.values()
    assert view["has_password"] is True and view["active"] is True
    assert auth_provider(None) == "magic_link"
