"""The gateway's own token verifier against `servelo_common.jwt.JwtVerifier` (pyjwt).

Every case is checked both ways: the same claims or the same refusal message, and the
same answer to "is this an unknown kid" (which triggers a JWKS refetch).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from gateway.jwtverify import FastJwtVerifier
from servelo_common.jwt import InvalidToken, JwtVerifier

KID = "k1"
PRIVATE = Ed25519PrivateKey.generate()
OTHER = Ed25519PrivateKey.generate()
PUBLIC_RAW = PRIVATE.public_key().public_bytes(
    serialization.Encoding.Raw, serialization.PublicFormat.Raw
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


JWKS = {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": b64(PUBLIC_RAW), "kid": KID}]}


def claims(**changes: Any) -> dict[str, Any]:
    now = time.time()
    base: dict[str, Any] = {
        "sub": "user-1",
        "org": "acme",
        "org_id": "11111111-1111-1111-1111-111111111111",
        "role": "admin",
        "iat": round(now, 3),
        "exp": int(now) + 900,
        "jti": uuid.uuid4().hex,
        "sid": "s1",
        "iss": "servelo",
        "aud": "servelo-api",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not _DROP}


_DROP = object()


def make(
    payload: dict[str, Any] | bytes | None = None,
    *,
    header: dict[str, Any] | None = None,
    key: Ed25519PrivateKey | None = PRIVATE,
    hs_secret: bytes | None = None,
) -> str:
    head = header if header is not None else {"alg": "EdDSA", "typ": "JWT", "kid": KID}
    body = payload if isinstance(payload, bytes) else json.dumps(payload or claims()).encode()
    signing_input = f"{b64(json.dumps(head).encode())}.{b64(body)}"
    if hs_secret is not None:
        sig = hmac.new(hs_secret, signing_input.encode(), hashlib.sha256).digest()
    elif key is not None:
        sig = key.sign(signing_input.encode())
    else:
        sig = b""
    return f"{signing_input}.{b64(sig)}"


def outcome(verifier: JwtVerifier, token: str) -> tuple[str, Any]:
    try:
        return ("ok", verifier.verify(token))
    except InvalidToken as exc:
        return ("refused", str(exc))


@pytest.fixture(scope="module")
def verifiers() -> tuple[JwtVerifier, FastJwtVerifier]:
    reference = JwtVerifier(issuer="servelo", audience="servelo-api")
    fast = FastJwtVerifier(issuer="servelo", audience="servelo-api")
    reference.set_jwks(JWKS)
    fast.set_jwks(JWKS)
    return reference, fast


def _url_safe_only_signature() -> str:
    """A valid token whose signature has a `-` or `_`, so that rewriting it in the standard
    base64 alphabet really changes it (otherwise that case would be valid by chance)."""
    for n in range(200):
        token = make(claims(jti=f"jti-{n}"))
        if "-" in token.rsplit(".", 1)[1] or "_" in token.rsplit(".", 1)[1]:
            return token
    raise AssertionError("no signature with a URL-safe character in 200 tries")


def cases() -> dict[str, str]:
    valid = make()
    head, body, sig = valid.split(".")
    url_head, url_body, url_sig = _url_safe_only_signature().split(".")
    now = time.time()
    eddsa = {"alg": "EdDSA", "kid": KID}
    return {
        "valid": valid,
        "valid_aud_list": make(claims(aud=["other", "servelo-api"])),
        "valid_with_nbf": make(claims(nbf=int(now) - 10)),
        "valid_iat_string": make(claims(iat=str(int(now)))),
        "padded_header_is_not_the_signed_input": f"{head}{'=' * (-len(head) % 4)}.{body}.{sig}",
        "valid_crit_b64_true": make(header={**eddsa, "b64": True, "crit": ["b64"]}),
        "alg_none": make(header={"alg": "none", "kid": KID}, key=None),
        "alg_none_no_sig": f"{b64(json.dumps({'alg': 'none', 'kid': KID}).encode())}.{body}.",
        "hs256_with_public_key_as_secret": make(
            header={"alg": "HS256", "kid": KID}, key=None, hs_secret=PUBLIC_RAW
        ),
        "hs256_with_jwk_x_as_secret": make(
            header={"alg": "HS256", "kid": KID}, key=None, hs_secret=b64(PUBLIC_RAW).encode()
        ),
        "alg_missing": make(header={"kid": KID}),
        "wrong_key": make(key=OTHER),
        "unknown_kid": make(header={"alg": "EdDSA", "kid": "k2"}),
        "no_kid": make(header={"alg": "EdDSA"}),
        "kid_not_a_string": make(header={"alg": "EdDSA", "kid": 1}),
        "crit_unsupported": make(header={**eddsa, "crit": ["exp"]}),
        "crit_empty": make(header={**eddsa, "crit": []}),
        "crit_not_in_header": make(header={**eddsa, "crit": ["b64"]}),
        "b64_false": make(header={**eddsa, "b64": False, "crit": ["b64"]}),
        "b64_false_unknown_kid_empty_payload": (
            f"{b64(json.dumps({'alg': 'EdDSA', 'kid': 'k9', 'b64': False}).encode())}..{sig}"
        ),
        "expired": make(claims(iat=now - 1000, exp=int(now) - 100)),
        "expired_within_leeway": make(claims(exp=int(now) - 2)),
        "expired_and_wrong_aud": make(claims(exp=int(now) - 100, aud="x")),
        "expired_and_missing_jti": make(claims(exp=int(now) - 100, jti=_DROP)),
        "iat_in_future": make(claims(iat=now + 60)),
        "iat_not_a_number": make(claims(iat="yesterday")),
        "iat_infinite": make(
            b'{"sub":"u","org":"acme","role":"admin","iat":1e999,"exp":1,'
            b'"jti":"j","iss":"servelo","aud":"servelo-api"}'
        ),
        "nbf_in_future": make(claims(nbf=int(now) + 60)),
        "nbf_not_a_number": make(claims(nbf=[1])),
        "exp_not_a_number": make(claims(exp="later")),
        "wrong_aud": make(claims(aud="someone-else")),
        "empty_aud": make(claims(aud="")),
        "aud_list_of_non_strings": make(claims(aud=[1, "servelo-api"])),
        "aud_object": make(claims(aud={"servelo-api": 1})),
        "wrong_iss": make(claims(iss="someone-else")),
        "iss_not_a_string": make(claims(iss=["servelo"])),
        "sub_not_a_string": make(claims(sub=12)),
        "jti_not_a_string": make(claims(jti=12)),
        **{
            f"missing_{c}": make(claims(**{c: _DROP}))
            for c in ("sub", "org", "role", "iat", "exp", "jti", "iss", "aud")
        },
        "null_role": make(claims(role=None)),
        "payload_not_an_object": make(b"[1,2,3]"),
        "payload_not_json": make(b"not json"),
        "payload_nan": make(
            b'{"sub":"u","org":"acme","role":"admin","iat":NaN,"exp":1,'
            b'"jti":"j","iss":"servelo","aud":"servelo-api"}'
        ),
        "payload_duplicate_keys": make(json.dumps(claims()).encode()[:-1] + b', "org": "other"}'),
        "header_not_an_object": f"{b64(b'[]')}.{body}.{sig}",
        "header_not_json": f"{b64(b'{alg')}.{body}.{sig}",
        "garbage": "not-a-jwt",
        "empty": "",
        "two_segments": f"{head}.{body}",
        "four_segments": f"{head}.{body}.{sig}.{sig}",
        "empty_signature": f"{head}.{body}.",
        "short_signature": f"{head}.{body}.{sig[:20]}",
        "junk_in_segment": f"{head}.{body[:-4]}!!!!.{sig}",
        "standard_alphabet": (
            f"{url_head}.{url_body}.{url_sig.replace('-', '+').replace('_', '/')}"
        ),
        "non_canonical_signature": f"{head}.{body}.{sig[:-1]}{'B' if sig[-1] == 'A' else 'A'}",
        "too_much_padding": f"{head}===.{body}.{sig}",
        "padding_wrong_length": f"{head}=.{body}.{sig}",
        "length_mod_4_is_1": f"{head}.{body}.{sig}A",
        "non_ascii": f"{head}.{body}é.{sig}",
        "whitespace": f" {valid}",
        "tampered_payload": f"{head}.{b64(json.dumps(claims(role='owner')).encode())}.{sig}",
    }


@pytest.mark.parametrize("name", sorted(cases()))
def test_same_outcome_as_pyjwt(name: str, verifiers: tuple[JwtVerifier, FastJwtVerifier]) -> None:
    reference, fast = verifiers
    token = cases()[name]
    assert outcome(fast, token) == outcome(reference, token)
    assert fast.unknown_kid(token) == reference.unknown_kid(token)


def test_expected_outcomes(verifiers: tuple[JwtVerifier, FastJwtVerifier]) -> None:
    _, fast = verifiers
    all_cases = cases()
    accepted = {n for n, t in all_cases.items() if outcome(fast, t)[0] == "ok"}
    assert accepted == {
        "valid",
        "valid_aud_list",
        "valid_with_nbf",
        "valid_iat_string",
        "valid_crit_b64_true",
        "expired_within_leeway",
        "payload_duplicate_keys",
    }
    expired = {n for n, t in all_cases.items() if outcome(fast, t) == ("refused", "Token expired")}
    assert expired == {"expired", "expired_and_wrong_aud"}
    assert fast.unknown_kid(all_cases["unknown_kid"]) == "k2"
    assert fast.unknown_kid(all_cases["valid"]) is None
