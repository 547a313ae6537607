"""Opaque secrets, signing keys, passwords, settings."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from auth.config import Settings
from auth.passwords import Passwords
from auth.schemas import LoginInput, OrgCreate
from auth.tokens import digest, family_of, load_keys, refresh_token
from pydantic import ValidationError
from servelo_common.values import normalize_email

BASE = {"database_url": "postgresql://x", "nats_url": "nats://x", "internal_secret": "s" * 40}


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


async def test_passwords_verify_and_refuse() -> None:
    pw = Passwords("fast")
    stored = await pw.hash("correct horse")
    assert await pw.verify(stored, "correct horse")
    assert not await pw.verify(stored, "wrong")
    assert not await pw.verify(None, "anything")
    assert not await pw.verify("not-a-hash", "x")


def test_production_requires_keys_and_refuses_fast_hashing() -> None:
    with pytest.raises(ValidationError):
        Settings(env="production", **BASE)
    with pytest.raises(ValidationError):
        Settings(env="production", jwt_keys="[]", password_hash_profile="fast", **BASE)
    Settings(env="test", password_hash_profile="fast", **BASE)


def test_login_keeps_password_whitespace_and_normalizes_email() -> None:
    data = LoginInput.model_validate({"email": " A@B.io ", "password": " pw "})
    assert data.email == "a@b.io" and data.password == " pw "


@pytest.mark.parametrize("slug", ["Acme", "-acme", "acme-", "a_b", "a" * 64, ""])
def test_org_slugs_follow_the_contract(slug: str) -> None:
    with pytest.raises(ValidationError):
        OrgCreate.model_validate(
            {"slug": slug, "name": "X", "admin": {"email": "a@b.io", "name": "A"}}
        )


@pytest.mark.parametrize("email", ["a@b", "a b@c.io", "a@b.io\r\nBcc: x@y.io", "@b.io", "a@@b.io"])
def test_emails_that_could_break_a_mail_header_are_refused(email: str) -> None:
    with pytest.raises(ValueError, match="valid email"):
        normalize_email(email)
