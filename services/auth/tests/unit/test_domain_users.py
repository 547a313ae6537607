"""Users with no I/O: the lifecycle, the last-admin rule, reauthentication."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from auth.domain.users import AccountInactive, UserStatus
from servelo_common.errors import ApiError

from .conftest import make_user


def check_last_admin(
    *,
    current_role: str,
    current_status: str,
    new_role: str | None,
    deactivating: bool,
    other_active_admins: int,
) -> None:
    """The rule as the tests state it: a user with that role and status loses admin."""
    make_user(role=current_role, status=current_status).check_keeps_an_admin(
        new_role=new_role, deactivating=deactivating, other_active_admins=other_active_admins
    )


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


def test_last_invited_admin_counts_as_an_admin() -> None:
    with pytest.raises(ApiError):
        check_last_admin(
            current_role="admin",
            current_status="invited",
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


def test_first_sign_in_activates_an_invited_user_only() -> None:
    assert make_user(status="invited").activation() is UserStatus.ACTIVE
    assert make_user(status="active").activation() is None
    with pytest.raises(AccountInactive) as err:
        make_user(status="deactivated").activation()
    assert err.value.status == 403 and err.value.message == "Account is inactive"


def test_deactivation_from_invited_or_active_and_never_twice() -> None:
    assert make_user(status="invited").deactivation() is UserStatus.DEACTIVATED
    assert make_user(status="active").deactivation() is UserStatus.DEACTIVATED
    assert make_user(status="deactivated").deactivation() is None


def test_reactivation_only_from_deactivated() -> None:
    assert make_user(status="deactivated").reactivation() is UserStatus.ACTIVE
    # An invited user stays invited (reactivating is no way round signing in).
    assert make_user(status="invited").reactivation() is None
    assert make_user(status="active").reactivation() is None


@pytest.mark.parametrize(
    ("status", "signs_in"), [("invited", True), ("active", True), ("deactivated", False)]
)
def test_who_may_sign_in(status: str, signs_in: bool) -> None:
    user = make_user(status=status)
    assert user.can_sign_in is signs_in and user.active is signs_in


def test_replacing_a_password_needs_a_recent_sign_in() -> None:
    now = datetime.now(UTC)
    with_password = make_user(password_hash="$argon2id$...")
    assert with_password.may_set_password(signed_in_at=now - timedelta(minutes=4), now=now)
    assert not with_password.may_set_password(signed_in_at=now - timedelta(minutes=6), now=now)
    assert not with_password.may_set_password(signed_in_at=None, now=now)
    assert make_user(password_hash=None).may_set_password(signed_in_at=None, now=now)


def test_the_hash_is_not_in_the_repr() -> None:
    user = make_user(password_hash="$argon2id$secret")
    assert "argon2" not in repr(user) and user.has_password
