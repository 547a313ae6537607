"""Opaque secrets (refresh tokens and their family) and signing keys."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from auth.tokens import digest, family_of, load_keys, refresh_token


def test_refresh_token_carries_its_family() -> None:
    family = uuid.uuid4()
    token = refresh_token(family)
    assert token.startswith(family.hex + ".")
    assert family_of(token) == family
    assert digest(token) != digest(refresh_token(family))


@pytest.mark.parametrize("token", ["abc123def456", "nothex.secret", ".x", "a" * 32 + "."])
def test_malformed_refresh_tokens_have_no_family(token: str) -> None:
    assert family_of(token) is None


def test_dev_keys_are_generated_once_and_reused(tmp_path: Path) -> None:
    first = load_keys(None, tmp_path)
    second = load_keys(None, tmp_path)
    assert [k.kid for k in first] == [k.kid for k in second]
    assert json.loads((tmp_path / "jwt-keys.json").read_text())[0]["kid"] == first[0].kid
