"""Auth's settings: what production refuses."""

from __future__ import annotations

from typing import Any

import pytest
from auth.config import Settings
from pydantic import ValidationError

BASE = {"database_url": "postgresql://x", "nats_url": "nats://x", "internal_secret": "s" * 40}


def settings(**fields: Any) -> Settings:
    return Settings.model_validate({**BASE, **fields})


def test_production_requires_keys_and_refuses_fast_hashing() -> None:
    with pytest.raises(ValidationError):
        settings(env="production")
    with pytest.raises(ValidationError):
        settings(env="production", jwt_keys="[]", password_hash_profile="fast")
    settings(env="test", password_hash_profile="fast")
