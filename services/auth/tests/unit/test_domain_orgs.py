"""Orgs: the system org cannot be suspended or deleted; the user count is optional."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from auth.domain.orgs import Org, check_system_org_change, check_system_org_deletion
from servelo_common.errors import ApiError


def test_the_system_org_is_never_suspended_nor_deleted() -> None:
    with pytest.raises(ApiError) as err:
        check_system_org_change(is_system=True, suspending=True)
    assert err.value.status == 409
    with pytest.raises(ApiError):
        check_system_org_deletion(is_system=True)
    check_system_org_change(is_system=True, suspending=False)
    check_system_org_change(is_system=False, suspending=True)
    check_system_org_deletion(is_system=False)


def test_user_count_only_where_it_was_counted() -> None:
    row = {
        "id": uuid.uuid4(),
        "slug": "acme",
        "name": "Acme",
        "plan": "pro",
        "active": True,
        "created_at": datetime.now(UTC),
    }
    assert Org.from_row(row).user_count is None
    assert Org.from_row({**row, "user_count": 4}).user_count is None
    assert Org.counted({**row, "user_count": 4}).user_count == 4
