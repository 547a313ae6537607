"""Signing secrets: their form, and their sealing at rest."""

from __future__ import annotations

import base64

import pytest
from webhooks.crypto import SecretBox, derived_key, endpoint_aad, new_secret, parse_keys

KEY_A = base64.b64encode(b"a" * 32).decode()
KEY_B = base64.urlsafe_b64encode(b"b" * 32).decode().rstrip("=")


def test_a_secret_is_whsec_and_32_random_bytes() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[len("whsec_") :])) == 32
    assert new_secret() != secret


def test_sealed_secret_opens_only_with_its_endpoint_and_a_configured_key() -> None:
    box = SecretBox(parse_keys(KEY_A))
    aad = endpoint_aad("org", "endpoint")
    sealed = box.seal("whsec_x", aad=aad)
    assert b"whsec_x" not in sealed
    assert box.open(sealed, aad=aad) == "whsec_x"
    with pytest.raises(ValueError, match="decrypt"):
        box.open(sealed, aad=endpoint_aad("org", "another"))
    with pytest.raises(ValueError, match="not configured"):
        SecretBox(parse_keys(KEY_B)).open(sealed, aad=aad)


def test_keys_rotate_the_first_seals_all_open() -> None:
    old = SecretBox(parse_keys(KEY_A))
    sealed = old.seal("whsec_y", aad=b"x")
    rotated = SecretBox(parse_keys(f"{KEY_B},{KEY_A}"))
    assert rotated.open(sealed, aad=b"x") == "whsec_y"
    assert SecretBox(parse_keys(KEY_B)).open(rotated.seal("s", aad=b"x"), aad=b"x") == "s"


@pytest.mark.parametrize("spec", ["", "not base64!", base64.b64encode(b"short").decode()])
def test_bad_keys_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_keys(spec)


def test_the_derived_key_is_stable() -> None:
    assert derived_key(b"x" * 40) == derived_key(b"x" * 40) != derived_key(b"y" * 40)
