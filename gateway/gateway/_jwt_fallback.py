"""Stand-in for `servelo_common.jwt.JwtVerifier` (same interface), on pyjwt, EdDSA pinned."""

from __future__ import annotations

from typing import Any

import jwt
from jwt.algorithms import OKPAlgorithm

REQUIRED_CLAIMS = ["sub", "org", "role", "iat", "exp", "jti", "iss", "aud"]


class InvalidToken(Exception):  # noqa: N818 - the shared library's name
    """The token is unusable; `message` is safe to show to the client."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class JwtVerifier:
    def __init__(self, *, issuer: str, audience: str) -> None:
        self.issuer = issuer
        self.audience = audience
        self._keys: dict[str, Any] = {}

    def set_jwks(self, jwks: dict[str, Any]) -> None:
        keys: dict[str, Any] = {}
        for jwk in jwks.get("keys", []):
            if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not jwk.get("kid"):
                continue
            keys[jwk["kid"]] = OKPAlgorithm.from_jwk(jwk)
        self._keys = keys

    def unknown_kid(self, token: str) -> str | None:
        """The token's `kid` when it is well-formed but not in the current key set."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            return None
        if isinstance(kid, str) and kid not in self._keys:
            return kid
        return None

    def verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("Invalid token") from exc
        key = self._keys.get(header.get("kid", ""))
        if header.get("alg") != "EdDSA" or key is None:
            raise InvalidToken("Invalid token")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["EdDSA"],
                issuer=self.issuer,
                audience=self.audience,
                # iat is not checked against the clock: a few ms of skew must not fail.
                options={"require": REQUIRED_CLAIMS, "verify_iat": False},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("Token expired") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken("Invalid token") from exc
        return claims
