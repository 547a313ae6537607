"""Helpers for auth's unit tests: domain objects built as rows would build them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from auth.domain.users import User


def user_row(**fields: Any) -> dict[str, Any]:
    """A `users` row (a plain dict, as `from_row` reads it), with `fields` overridden."""
    now = datetime.now(UTC)
    return {
        "id": uuid.uuid4(),
        "org_id": uuid.uuid4(),
        "email": "ann@example.com",
        "name": "Ann",
        "role": "technician",
        "status": "active",
        "password_hash": "$argon2id$...",
        "phone": None,
        "notes": None,
        "avatar_url": None,
        "preferences": {},
        "created_at": now,
        "updated_at": now,
        **fields,
    }


def make_user(**fields: Any) -> User:
    return User.from_row(user_row(**fields))
