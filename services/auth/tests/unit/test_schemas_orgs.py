"""Org bodies: slugs follow the contract; the registry entry has no more than it needs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from auth.domain.orgs import Org
from auth.schemas.orgs import OrgCreate, OrgEntry, OrgPublic
from pydantic import ValidationError


@pytest.mark.parametrize("slug", ["Acme", "-acme", "acme-", "a_b", "a" * 64, ""])
def test_org_slugs_follow_the_contract(slug: str) -> None:
    with pytest.raises(ValidationError):
        OrgCreate.model_validate(
            {"slug": slug, "name": "X", "admin": {"email": "a@b.io", "name": "A"}}
        )


def test_org_public_and_registry_entry_shapes() -> None:
    org = Org(uuid.uuid4(), "acme", "Acme", "pro", True, datetime(2026, 1, 2, tzinfo=UTC), 3)
    assert OrgPublic.model_validate(org).model_dump(mode="json") == {
        "id": str(org.id),
        "slug": "acme",
        "name": "Acme",
        "plan": "pro",
        "active": True,
        "user_count": 3,
        "created_at": "2026-01-02T00:00:00.000000Z",
    }
    assert OrgEntry.model_validate(org).model_dump(mode="json") == {
        "id": str(org.id),
        "slug": "acme",
        "name": "Acme",
        "plan": "pro",
        "active": True,
    }
