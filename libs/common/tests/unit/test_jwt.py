import time

import jwt as pyjwt
import pytest
from servelo_common.jwt import InvalidToken, JwtVerifier, SigningKey, TokenSigner, jwks_for


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate()


def verifier_for(*keys: SigningKey) -> JwtVerifier:
    v = JwtVerifier()
    v.set_jwks(jwks_for(list(keys)))
    return v


def test_signed_token_verifies_with_all_claims(key: SigningKey) -> None:
    token = TokenSigner([key]).sign(
        user_id="u1", org="acme", org_id="o1", role="admin", session_id="f1"
    )
    claims = verifier_for(key).verify(token)
    assert claims["sub"] == "u1"
    assert claims["org"] == "acme"
    assert claims["role"] == "admin"
    assert claims["sid"] == "f1"
    assert claims["exp"] - claims["iat"] == pytest.approx(900, abs=1)
    assert {"jti", "iss", "aud"} <= claims.keys()


def test_alg_none_is_refused(key: SigningKey) -> None:
    token = pyjwt.encode(
        {
            "sub": "u1",
            "org": "acme",
            "role": "admin",
            "iat": time.time(),
            "exp": time.time() + 60,
            "jti": "x",
            "iss": "servelo",
            "aud": "servelo-api",
        },
        None,  # type: ignore[arg-type]  # alg "none" takes no key; the stubs always want one
        algorithm="none",
        headers={"kid": key.kid},
    )
    with pytest.raises(InvalidToken):
        verifier_for(key).verify(token)


def test_hs256_with_public_key_is_refused(key: SigningKey) -> None:
    public_x = key.public_jwk()["x"]
    token = pyjwt.encode({"sub": "u1"}, public_x, algorithm="HS256", headers={"kid": key.kid})
    with pytest.raises(InvalidToken):
        verifier_for(key).verify(token)


def test_token_from_unknown_key_is_refused(key: SigningKey) -> None:
    other = SigningKey(kid=key.kid, private_key=SigningKey.generate().private_key)
    token = TokenSigner([other]).sign(user_id="u1", org="acme", org_id="o1", role="admin")
    with pytest.raises(InvalidToken, match="Invalid token"):
        verifier_for(key).verify(token)


def test_expired_token_is_refused(key: SigningKey) -> None:
    token = TokenSigner([key], ttl=1).sign(
        user_id="u1", org="acme", org_id="o1", role="admin", now=time.time() - 100
    )
    with pytest.raises(InvalidToken, match="Token expired"):
        verifier_for(key).verify(token)


def test_wrong_audience_is_refused(key: SigningKey) -> None:
    token = TokenSigner([key], audience="other").sign(
        user_id="u1", org="acme", org_id="o1", role="admin"
    )
    with pytest.raises(InvalidToken):
        verifier_for(key).verify(token)


def test_rotated_out_key_verifies_until_removed(key: SigningKey) -> None:
    new = SigningKey.generate()
    old_token = TokenSigner([key]).sign(user_id="u1", org="acme", org_id="o1", role="admin")
    verifier = verifier_for(new, key)  # new key signs, old one still published
    assert verifier.verify(old_token)["sub"] == "u1"
    assert verifier.unknown_kid(old_token) is None
    verifier.set_jwks(jwks_for([new]))
    assert verifier.unknown_kid(old_token) == key.kid
    with pytest.raises(InvalidToken):
        verifier.verify(old_token)


def test_pem_round_trip(key: SigningKey) -> None:
    again = SigningKey.from_pem(key.kid, key.to_pem())
    assert again.public_jwk() == key.public_jwk()
