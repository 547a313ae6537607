import time
from typing import Any

from gateway.jwtverify import FastJwtVerifier
from gateway.tenants import Org
from gateway.tokens import Authenticator, CachedAuth, NeedKeys
from servelo_common.identity import decode_identity

from gateway import errors

ACME = Org(id="org-1", slug="acme")


def authenticator(keys: Any, secret: bytes) -> Authenticator:
    auth = Authenticator(verifier=FastJwtVerifier(), secret=secret)
    auth.set_jwks(keys.jwks)
    return auth


def test_valid_token_yields_a_signed_identity_and_is_cached(keys: Any, secret: bytes) -> None:
    auth = authenticator(keys, secret)
    token = keys.token(sub="u1", role="manager")
    result = auth.authenticate(token, ACME)
    assert isinstance(result, CachedAuth)
    identity = decode_identity(result.identity.decode(), secret)
    assert (identity.org_id, identity.user_id, identity.role) == ("org-1", "u1", "manager")
    assert auth.authenticate(token, ACME) is result  # no crypto the second time


def test_token_of_another_tenant_is_refused(keys: Any, secret: bytes) -> None:
    auth = authenticator(keys, secret)
    token = keys.token(org="other")
    assert auth.authenticate(token, ACME) == errors.INVALID_TOKEN
    assert isinstance(auth.authenticate(token, Org(id="o2", slug="other")), CachedAuth)
    assert auth.authenticate(token, ACME) == errors.INVALID_TOKEN  # also when cached


def test_expired_and_garbage_tokens(keys: Any, secret: bytes, keys_factory: Any) -> None:
    auth = authenticator(keys, secret)
    expired = keys.token(iat=time.time() - 1000, exp=time.time() - 100)
    assert auth.authenticate(expired, ACME) == errors.TOKEN_EXPIRED
    assert auth.authenticate("not.a.jwt", ACME) == errors.INVALID_TOKEN
    assert auth.authenticate(keys_factory("k1").token(), ACME) == errors.INVALID_TOKEN  # wrong key


def test_unknown_kid_asks_for_a_key_refresh(keys: Any, secret: bytes, keys_factory: Any) -> None:
    result = authenticator(keys, secret).authenticate(keys_factory("k2").token(), ACME)
    assert isinstance(result, NeedKeys) and result.kid == "k2"


def test_revocation_refuses_older_tokens_only(keys: Any, secret: bytes) -> None:
    auth = authenticator(keys, secret)
    now = time.time()
    old = keys.token(sub="u1", iat=now - 10)
    assert isinstance(auth.authenticate(old, ACME), CachedAuth)
    auth.revoke("u1", now - 5)
    assert auth.authenticate(old, ACME) == errors.INVALID_TOKEN
    assert isinstance(auth.authenticate(keys.token(sub="u1", iat=now), ACME), CachedAuth)
    assert isinstance(auth.authenticate(keys.token(sub="u2", iat=now - 10), ACME), CachedAuth)
    # A later, earlier-dated event (reactivation) never lowers the bar.
    auth.revoke("u1", now - 100)
    assert auth.authenticate(keys.token(sub="u1", iat=now - 8), ACME) == errors.INVALID_TOKEN


def test_cache_is_bounded(keys: Any, secret: bytes) -> None:
    auth = Authenticator(verifier=FastJwtVerifier(), secret=secret, max_entries=10)
    auth.set_jwks(keys.jwks)
    for i in range(25):
        auth.authenticate(keys.token(sub=f"u{i}"), ACME)
    assert len(auth) <= 10
