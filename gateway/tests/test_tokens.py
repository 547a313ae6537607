import time
from typing import Any

from gateway.jwtverify import FastJwtVerifier
from gateway.tenants import Org
from gateway.tokens import IDENTITY_RESIGN, Authenticator, CachedAuth, NeedKeys
from servelo_common.identity import decode_identity

from gateway import errors

ACME_ID = "11111111-1111-1111-1111-111111111111"
ACME = Org(id=ACME_ID, slug="acme")


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
    assert (identity.org_id, identity.user_id, identity.role) == (ACME_ID, "u1", "manager")
    assert auth.authenticate(token, ACME) is result  # no crypto the second time


def test_token_of_another_tenant_is_refused(keys: Any, secret: bytes) -> None:
    auth = authenticator(keys, secret)
    token = keys.token(org="other")
    assert auth.authenticate(token, ACME) == errors.INVALID_TOKEN
    other = Org(id="33333333-3333-3333-3333-333333333333", slug="other")
    assert isinstance(auth.authenticate(token, other), CachedAuth)
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
    auth.revoke("user", "u1", now - 5)
    assert auth.authenticate(old, ACME) == errors.INVALID_TOKEN
    assert isinstance(auth.authenticate(keys.token(sub="u1", iat=now), ACME), CachedAuth)
    assert isinstance(auth.authenticate(keys.token(sub="u2", iat=now - 10), ACME), CachedAuth)
    # A later, earlier-dated event (reactivation) never lowers the bar.
    auth.revoke("user", "u1", now - 100)
    assert auth.authenticate(keys.token(sub="u1", iat=now - 8), ACME) == errors.INVALID_TOKEN


def test_reapplied_revocation_does_not_hide_newer_tokens_from_a_later_one(
    keys: Any, secret: bytes
) -> None:
    """Finding 1 of issue 9: promoted (revocation), signs in, the resync re-applies the
    promotion's revocation, then demoted: the sign-in's cached token must be refused."""
    auth = authenticator(keys, secret)
    now = time.time()
    auth.revoke("user", "u1", now - 20)  # promotion
    token = keys.token(sub="u1", iat=now - 10)  # signs in afterwards
    assert isinstance(auth.authenticate(token, ACME), CachedAuth)
    auth.revoke("user", "u1", now - 20)  # the resync applies the same revocation again
    assert isinstance(auth.authenticate(token, ACME), CachedAuth)  # still fine: not revoked
    auth.revoke("user", "u1", now - 1)  # demotion
    assert auth.authenticate(token, ACME) == errors.INVALID_TOKEN


def test_session_and_org_revocations(keys: Any, secret: bytes) -> None:
    auth = authenticator(keys, secret)
    now = time.time()
    mine = keys.token(sub="u1", iat=now - 10, sid="s-mine")
    other = keys.token(sub="u1", iat=now - 10, sid="s-other")
    for token in (mine, other):
        assert isinstance(auth.authenticate(token, ACME), CachedAuth)
    auth.revoke("session", "s-other", now - 1)
    assert auth.authenticate(other, ACME) == errors.INVALID_TOKEN
    assert isinstance(auth.authenticate(mine, ACME), CachedAuth)
    auth.revoke("org", ACME_ID, now - 1)
    assert auth.authenticate(mine, ACME) == errors.INVALID_TOKEN
    assert isinstance(auth.authenticate(keys.token(sub="u1", iat=now), ACME), CachedAuth)


def test_a_recreated_slug_is_another_org(keys: Any, secret: bytes) -> None:
    """Finding 3: same slug, new org id: the old org's token is not the new org's."""
    auth = authenticator(keys, secret)
    token = keys.token(sub="u1")
    assert isinstance(auth.authenticate(token, ACME), CachedAuth)
    reborn = Org(id="44444444-4444-4444-4444-444444444444", slug="acme")
    assert auth.authenticate(token, reborn) == errors.INVALID_TOKEN  # cached
    fresh = authenticator(keys, secret)
    assert fresh.authenticate(token, reborn) == errors.INVALID_TOKEN  # verified


def test_token_without_org_id_is_refused(keys: Any, secret: bytes) -> None:
    auth = authenticator(keys, secret)
    assert auth.authenticate(keys.token(org_id=None), ACME) == errors.INVALID_TOKEN


def test_identity_header_is_resigned_before_it_goes_stale(keys: Any, secret: bytes) -> None:
    clock = [time.time()]
    auth = Authenticator(verifier=FastJwtVerifier(), secret=secret, clock=lambda: clock[0])
    auth.set_jwks(keys.jwks)
    token = keys.token(sub="u1", iat=clock[0])
    first = auth.authenticate(token, ACME)
    assert isinstance(first, CachedAuth)
    header = first.identity
    clock[0] += IDENTITY_RESIGN + 1
    again = auth.authenticate(token, ACME)
    assert isinstance(again, CachedAuth) and again.identity != header
    decode_identity(again.identity.decode(), secret, now=clock[0])  # fresh: accepted


def test_cache_is_bounded(keys: Any, secret: bytes) -> None:
    auth = Authenticator(verifier=FastJwtVerifier(), secret=secret, max_entries=10)
    auth.set_jwks(keys.jwks)
    for i in range(25):
        auth.authenticate(keys.token(sub=f"u{i}"), ACME)
    assert len(auth) <= 10
