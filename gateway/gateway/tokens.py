"""Access-token checks: JWT verification once per token, then a claims cache; revocations."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from servelo_common.identity import Identity, encode_identity
from servelo_common.jwt import InvalidToken

from gateway import errors
from gateway.tenants import Org

# Revocations older than this cannot matter: every token issued before them has expired.
REVOCATION_TTL = 3600.0


class Verifier(Protocol):
    """`servelo_common.jwt.JwtVerifier`'s interface."""

    def set_jwks(self, jwks: dict[str, Any]) -> None: ...
    def verify(self, token: str) -> dict[str, Any]: ...
    def unknown_kid(self, token: str) -> str | None: ...


class CachedAuth:
    """What a verified token means for one request; the identity header is encoded once."""

    __slots__ = ("exp", "iat", "identity", "live", "org_slug", "user_id")

    def __init__(self, *, exp: float, iat: float, user_id: str, org_slug: str, identity: bytes):
        self.exp = exp
        self.iat = iat
        self.user_id = user_id
        self.org_slug = org_slug
        self.identity = identity
        # False once dropped from the cache (expired, revoked, evicted): a connection that
        # remembers this entry for its repeated Authorization header must check again.
        self.live = True


class NeedKeys:
    """The token names a key we do not have: refetch the JWKS, then check again."""

    __slots__ = ("kid",)

    def __init__(self, kid: str) -> None:
        self.kid = kid


AuthResult = CachedAuth | errors.Error | NeedKeys


class Authenticator:
    def __init__(
        self,
        *,
        verifier: Verifier,
        secret: bytes,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.verifier = verifier
        self.secret = secret
        self.max_entries = max_entries
        self.clock = clock
        self._cache: dict[str, CachedAuth] = {}
        self._by_user: dict[str, set[str]] = {}
        self.revoked: dict[str, float] = {}

    def set_jwks(self, jwks: dict[str, Any]) -> None:
        self.verifier.set_jwks(jwks)

    def authenticate(self, token: str, org: Org) -> AuthResult:
        hit = self._cache.get(token)
        if hit is not None:
            if hit.exp <= self.clock():
                self._forget(token, hit)
                return errors.TOKEN_EXPIRED
            if hit.org_slug != org.slug:
                return errors.INVALID_TOKEN
            return hit
        return self._verify(token, org)

    def _verify(self, token: str, org: Org) -> AuthResult:
        try:
            claims = self.verifier.verify(token)
        except InvalidToken as exc:
            kid = self.verifier.unknown_kid(token)
            if kid is not None:
                return NeedKeys(kid)
            message = str(exc)
            return (401, message if message == "Token expired" else "Invalid token")
        try:
            user_id = str(claims["sub"])
            iat = float(claims["iat"])
            exp = float(claims["exp"])
            slug = str(claims["org"])
            role = str(claims["role"])
        except (KeyError, TypeError, ValueError):
            return errors.INVALID_TOKEN
        if slug != org.slug:
            return errors.INVALID_TOKEN
        if exp <= self.clock():
            return errors.TOKEN_EXPIRED
        revoked_at = self.revoked.get(user_id)
        if revoked_at is not None and iat < revoked_at:
            return errors.INVALID_TOKEN
        sid = claims.get("sid")
        identity = Identity(
            org_id=org.id,
            org_slug=org.slug,
            user_id=user_id,
            role=role,
            session_id=str(sid) if sid is not None else None,
            token_iat=iat,
        )
        entry = CachedAuth(
            exp=exp,
            iat=iat,
            user_id=user_id,
            org_slug=slug,
            identity=encode_identity(identity, self.secret).encode(),
        )
        self._remember(token, entry)
        return entry

    def public_identity(self, org: Org) -> bytes:
        value = org.public_identity
        if value is None:
            identity = Identity(org_id=org.id, org_slug=org.slug)
            value = org.public_identity = encode_identity(identity, self.secret).encode()
        return value

    def revoke(self, user_id: str, revoked_at: float) -> None:
        """Tokens of `user_id` issued before `revoked_at` are refused from now on."""
        if revoked_at > self.revoked.get(user_id, 0.0):
            self.revoked[user_id] = revoked_at
        for token in self._by_user.pop(user_id, set()):
            entry = self._cache.get(token)
            if entry is not None and entry.iat < self.revoked[user_id]:
                del self._cache[token]
                entry.live = False

    def prune(self) -> None:
        """Drop expired cache entries and revocations too old to matter (periodic)."""
        now = self.clock()
        for token, entry in list(self._cache.items()):
            if entry.exp <= now:
                self._forget(token, entry)
        cutoff = now - REVOCATION_TTL
        for user_id, at in list(self.revoked.items()):
            if at < cutoff:
                del self.revoked[user_id]

    def _remember(self, token: str, entry: CachedAuth) -> None:
        if len(self._cache) >= self.max_entries:
            self.prune()
            # Still full: drop the oldest half (dicts keep insertion order).
            if len(self._cache) >= self.max_entries:
                for old in list(self._cache)[: self.max_entries // 2 or 1]:
                    self._forget(old, self._cache[old])
        self._cache[token] = entry
        self._by_user.setdefault(entry.user_id, set()).add(token)

    def _forget(self, token: str, entry: CachedAuth) -> None:
        entry.live = False
        self._cache.pop(token, None)
        tokens = self._by_user.get(entry.user_id)
        if tokens is not None:
            tokens.discard(token)
            if not tokens:
                del self._by_user[entry.user_id]

    def __len__(self) -> int:
        return len(self._cache)
