import uuid

import pytest
from servelo_common.identity import (
    INTERNAL_HEADER,
    Identity,
    InvalidIdentity,
    decode_identity,
    encode_identity,
    internal_headers,
    verify_internal,
)

SECRET = b"s" * 32


def test_identity_round_trips() -> None:
    ident = Identity(
        org_id="o1",
        org_slug="acme",
        user_id="u1",
        role="admin",
        session_id="f1",
        token_iat=1700000000.123,
    )
    assert decode_identity(encode_identity(ident, SECRET), SECRET) == ident


def test_tenant_only_identity_round_trips() -> None:
    ident = Identity(org_id="o1", org_slug="acme")
    decoded = decode_identity(encode_identity(ident, SECRET), SECRET)
    assert decoded.user_id is None
    assert not decoded.is_user


def test_tampered_identity_is_refused() -> None:
    value = encode_identity(Identity(org_id="o1", org_slug="acme", role="technician"), SECRET)
    forged = value.replace("technician", "admin")
    with pytest.raises(InvalidIdentity):
        decode_identity(forged, SECRET)


def test_identity_signed_with_another_secret_is_refused() -> None:
    value = encode_identity(Identity(org_id="o1", org_slug="acme"), b"x" * 32)
    with pytest.raises(InvalidIdentity):
        decode_identity(value, SECRET)


def test_internal_signature_expires() -> None:
    value = internal_headers(SECRET, now=1000.0)[INTERNAL_HEADER]
    assert verify_internal(value, SECRET, now=1010.0)
    assert not verify_internal(value, SECRET, now=2000.0)
    assert not verify_internal(value, b"y" * 32, now=1010.0)
    assert not verify_internal(None, SECRET)


def test_identity_ids_as_uuids() -> None:
    org, user = uuid.uuid4(), uuid.uuid4()
    ident = Identity(org_id=str(org), org_slug="acme", user_id=str(user), role="admin")
    assert (ident.org_uuid, ident.user_uuid) == (org, user)
    assert Identity(org_id=str(org), org_slug="acme").user_uuid is None
