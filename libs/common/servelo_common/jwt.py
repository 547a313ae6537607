"""Access tokens: Ed25519 (EdDSA) JWTs with a `kid`, verified from a JWKS.

Auth signs with the first configured key; every key in the JWKS verifies, so a rotated-out
key keeps verifying the tokens it signed until an operator removes it.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt as pyjwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "EdDSA"
ACCESS_TOKEN_TTL = 900
DEFAULT_ISSUER = "servelo"
DEFAULT_AUDIENCE = "servelo-api"


class InvalidToken(Exception):
    """A token that must be refused; `str(exc)` is safe to show to the client."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(kid=uuid.uuid4().hex[:16], private_key=Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, kid: str, pem: str | bytes) -> SigningKey:
        raw = pem.encode() if isinstance(pem, str) else pem
        key = serialization.load_pem_private_key(raw, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"key {kid!r} is not an Ed25519 private key")
        return cls(kid=kid, private_key=key)

    def to_pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def public_jwk(self) -> dict[str, str]:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return {
            "kty": "OKP",
            "crv": "Ed25519",
            "x": _b64(raw),
            "kid": self.kid,
            "alg": ALGORITHM,
            "use": "sig",
        }


def parse_signing_keys(spec: str) -> list[SigningKey]:
    """`SERVELO_JWT_KEYS`: JSON list of {"kid", "pem"}; the first one signs."""
    items = json.loads(spec)
    if not isinstance(items, list) or not items:
        raise ValueError("SERVELO_JWT_KEYS must be a non-empty JSON list of {kid, pem}")
    return [SigningKey.from_pem(str(i["kid"]), str(i["pem"])) for i in items]


def jwks_for(keys: list[SigningKey]) -> dict[str, list[dict[str, str]]]:
    return {"keys": [k.public_jwk() for k in keys]}


class TokenSigner:
    def __init__(
        self,
        keys: list[SigningKey],
        *,
        issuer: str = DEFAULT_ISSUER,
        audience: str = DEFAULT_AUDIENCE,
        ttl: int = ACCESS_TOKEN_TTL,
    ) -> None:
        if not keys:
            raise ValueError("at least one signing key is required")
        self._key = keys[0]
        self.issuer, self.audience, self.ttl = issuer, audience, ttl

    def sign(
        self,
        *,
        user_id: str,
        org: str,
        org_id: str,
        role: str,
        session_id: str | None = None,
        now: float | None = None,
    ) -> str:
        # iat carries milliseconds so a revocation at time T refuses exactly the tokens
        # issued before it, and a token issued right after (same second) still works.
        issued = round(now if now is not None else time.time(), 3)
        claims: dict[str, Any] = {
            "sub": user_id,
            "org": org,
            # The slug names the host; the id tells a recreated slug from the original org.
            "org_id": org_id,
            "role": role,
            "iat": issued,
            "exp": int(issued) + self.ttl,
            "jti": uuid.uuid4().hex,
            "iss": self.issuer,
            "aud": self.audience,
        }
        if session_id:
            claims["sid"] = session_id
        return pyjwt.encode(
            claims, self._key.private_key, algorithm=ALGORITHM, headers={"kid": self._key.kid}
        )


_REQUIRED = ["sub", "org", "org_id", "role", "iat", "exp", "jti", "iss", "aud"]


class JwtVerifier:
    """Verifies against a JWKS; algorithms pinned to EdDSA whatever the header says."""

    def __init__(
        self, *, issuer: str = DEFAULT_ISSUER, audience: str = DEFAULT_AUDIENCE, leeway: float = 5.0
    ) -> None:
        self.issuer, self.audience, self.leeway = issuer, audience, leeway
        self._keys: dict[str, Ed25519PublicKey] = {}

    @property
    def kids(self) -> frozenset[str]:
        return frozenset(self._keys)

    def set_jwks(self, jwks: dict[str, Any]) -> None:
        keys: dict[str, Ed25519PublicKey] = {}
        for jwk in jwks.get("keys", []):
            if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not jwk.get("kid"):
                continue
            key = pyjwt.PyJWK.from_dict(jwk, algorithm=ALGORITHM).key
            if isinstance(key, Ed25519PublicKey):
                keys[str(jwk["kid"])] = key
        self._keys = keys

    def unknown_kid(self, token: str) -> str | None:
        """The token's kid when we do not hold it (the caller may refetch the JWKS)."""
        try:
            kid = pyjwt.get_unverified_header(token).get("kid")
        except pyjwt.PyJWTError:
            return None
        return kid if isinstance(kid, str) and kid not in self._keys else None

    def verify(self, token: str) -> dict[str, Any]:
        try:
            header = pyjwt.get_unverified_header(token)
        except pyjwt.PyJWTError as exc:
            raise InvalidToken("Invalid token") from exc
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("Invalid token")
        key = self._keys.get(str(header.get("kid")))
        if key is None:
            raise InvalidToken("Invalid token")
        try:
            claims: dict[str, Any] = pyjwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": _REQUIRED},
            )
        except pyjwt.ExpiredSignatureError as exc:
            raise InvalidToken("Token expired") from exc
        except pyjwt.PyJWTError as exc:
            raise InvalidToken("Invalid token") from exc
        return claims
