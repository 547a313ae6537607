"""servelo_cli.keys: the rotation rules, and that what they produce is what auth and the
gateway use (the first key signs, every key verifies)."""

from __future__ import annotations

import pytest
from servelo_cli.keys import KeySet, KeySetError
from servelo_common.jwt import JwtVerifier, SigningKey, TokenSigner, jwks_for, parse_signing_keys


def token(keys: KeySet) -> str:
    return TokenSigner(list(keys.keys)).sign(user_id="u", org="acme", org_id="o", role="admin")


def verifier(keys: KeySet) -> JwtVerifier:
    v = JwtVerifier()
    v.set_jwks(jwks_for(list(keys.keys)))
    return v


def test_generate_is_a_value_auth_reads() -> None:
    keys = KeySet.generate()
    parsed = parse_signing_keys(keys.value())
    assert [k.kid for k in parsed] == [keys.signing.kid]


def test_rotated_signs_with_the_new_key_and_still_verifies_the_old_tokens() -> None:
    old = KeySet.generate()
    issued_before = token(old)
    new = old.rotated(SigningKey.generate())
    assert new.keys[1].kid == old.signing.kid
    assert new.signing.kid != old.signing.kid
    issued_after = token(new)
    assert verifier(new).verify(issued_before)["org"] == "acme"
    assert verifier(new).verify(issued_after)["org"] == "acme"
    assert KeySet.parse(new.value()).summary() == new.summary()


def test_stage_publishes_then_promote_signs() -> None:
    old = KeySet.generate()
    staged = old.staged(SigningKey.generate())
    assert staged.signing.kid == old.signing.kid
    assert [u["use"] for u in staged.summary()] == ["signs and verifies", "verifies"]
    promoted = staged.promoted()
    assert promoted.signing.kid == staged.keys[1].kid
    assert promoted.keys[1].kid == old.signing.kid


def test_remove_drops_a_retired_key_but_never_the_signing_one() -> None:
    keys = KeySet.generate().rotated(SigningKey.generate())
    retired = keys.keys[1].kid
    assert [k.kid for k in keys.without(retired).keys] == [keys.signing.kid]
    with pytest.raises(KeySetError, match="signing key"):
        keys.without(keys.signing.kid)
    with pytest.raises(KeySetError, match="no key"):
        keys.without("nosuch")


def test_promote_needs_a_second_key() -> None:
    with pytest.raises(KeySetError, match="no second key"):
        KeySet.generate().promoted()


@pytest.mark.parametrize("value", ["", "[]", "{}", '[{"kid": "a"}]', '[{"kid": "a", "pem": "x"}]'])
def test_garbage_is_refused_with_a_reason(value: str) -> None:
    with pytest.raises(KeySetError, match="not a SERVELO_JWT_KEYS value"):
        KeySet.parse(value)


def test_duplicate_kids_are_refused() -> None:
    key = SigningKey.generate()
    twice = KeySet((key, key)).value()
    with pytest.raises(KeySetError, match="same kid"):
        KeySet.parse(twice)
