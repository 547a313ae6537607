"""Access-token verification for the gateway's cold path: `cryptography` directly, no pyjwt.

A token the claims cache has not seen costs one verification. pyjwt spent about two thirds
of that outside the Ed25519 check (generic option merging, a per-character alphabet scan,
`datetime`, `json`); this does the same checks, in the same order, with the same outcome
for every input (tests/test_jwtverify.py compares both on valid, forged and malformed
tokens): the same claims, or `InvalidToken("Invalid token")`, or
`InvalidToken("Token expired")`. Keys still come from `JwtVerifier.set_jwks`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from servelo_common.jwt import ALGORITHM, InvalidToken, JwtVerifier

# The claims every access token must carry (present and not null), as the signer sets them.
REQUIRED = ("sub", "org", "org_id", "role", "iat", "exp", "jti", "iss", "aud")
# The only JWS extension that may be listed in `crit` (RFC 7797); b64=false is refused.
_SUPPORTED_CRIT = frozenset({"b64"})
_SEGMENT = re.compile(rb"[A-Za-z0-9_-]*")


class _Invalid(Exception):
    pass


def _segment(segment: bytes) -> bytes:
    """Strict base64url: optional '=' padding, alphabet only, canonical (no stray bits)."""
    stripped = segment.rstrip(b"=")
    padding = len(segment) - len(stripped)
    if padding > 2 or (padding and len(segment) % 4) or len(stripped) % 4 == 1:
        raise _Invalid
    if _SEGMENT.fullmatch(stripped) is None:
        raise _Invalid
    try:
        decoded = base64.urlsafe_b64decode(stripped + b"=" * (-len(stripped) % 4))
    except (TypeError, binascii.Error) as exc:
        raise _Invalid from exc
    if base64.urlsafe_b64encode(decoded).rstrip(b"=") != stripped:
        raise _Invalid
    return decoded


def _json_object(data: bytes) -> dict[str, Any]:
    """orjson, and the stdlib for what only it accepts (NaN, UTF-16, a BOM): same results."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        try:
            value = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise _Invalid from exc
    if not isinstance(value, dict):
        raise _Invalid
    return value


def _parse(token: str) -> tuple[dict[str, Any], bytes, bytes, bytes]:
    """Header, payload, signing input and signature of a well-formed compact JWS."""
    raw = token.encode("utf-8", "surrogatepass")
    signing_input, dot, crypto = raw.rpartition(b".")
    header_segment, dot2, payload_segment = signing_input.partition(b".")
    if not dot or not dot2:
        raise _Invalid
    header = _json_object(_segment(header_segment))
    if header.get("b64", True) is False:  # RFC 7797 detached payload: the segment is empty
        if payload_segment:
            raise _Invalid
        payload = b""
    else:
        payload = _segment(payload_segment)
    signature = _segment(crypto)
    if "kid" in header and not isinstance(header["kid"], str):
        raise _Invalid
    if "crit" in header:
        crit = header["crit"]
        if not isinstance(crit, list) or not crit:
            raise _Invalid
        for ext in crit:
            if not isinstance(ext, str) or ext not in _SUPPORTED_CRIT or ext not in header:
                raise _Invalid
    return header, payload, signing_input, signature


def _int(value: Any) -> int:
    try:
        return int(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise _Invalid from exc


class FastJwtVerifier(JwtVerifier):
    """`JwtVerifier` with `verify` and `unknown_kid` reimplemented on `cryptography`."""

    def unknown_kid(self, token: str) -> str | None:
        try:
            header = _parse(token)[0]
        except _Invalid:
            return None
        kid = header.get("kid")
        return kid if isinstance(kid, str) and kid not in self._keys else None

    def verify(self, token: str) -> dict[str, Any]:
        try:
            return self._verify(token)
        except _Invalid:
            raise InvalidToken("Invalid token") from None

    def _verify(self, token: str) -> dict[str, Any]:
        header, payload_bytes, signing_input, signature = _parse(token)
        if header.get("b64", True) is False:
            raise _Invalid  # an unencoded (detached) payload is never an access token
        if header.get("alg") != ALGORITHM:  # pinned: never "none", never HS256 with our key
            raise _Invalid
        key = self._keys.get(str(header.get("kid")))
        if key is None:
            raise _Invalid
        try:
            key.verify(signature, signing_input)
        except (InvalidSignature, ValueError) as exc:
            raise _Invalid from exc
        claims = _json_object(payload_bytes)
        for name in REQUIRED:
            if claims.get(name) is None:
                raise _Invalid
        now = time.time()
        leeway = self.leeway
        if _int(claims["iat"]) > now + leeway:
            raise _Invalid  # issued in the future
        if "nbf" in claims and _int(claims["nbf"]) > now + leeway:
            raise _Invalid
        if _int(claims["exp"]) <= now - leeway:
            raise InvalidToken("Token expired")
        iss = claims["iss"]
        if not isinstance(iss, str) or iss != self.issuer:
            raise _Invalid
        aud = claims["aud"]
        if not aud:
            raise _Invalid
        audiences = [aud] if isinstance(aud, str) else aud
        if not isinstance(audiences, list) or any(not isinstance(a, str) for a in audiences):
            raise _Invalid
        if self.audience not in audiences:
            raise _Invalid
        if not isinstance(claims["sub"], str) or not isinstance(claims["jti"], str):
            raise _Invalid
        return claims
