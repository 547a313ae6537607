"""Access-token checks: JWT verification once per token, then a claims cache; revocations.

A revocation has a scope (user, session or org) and an instant: every token of that scope
issued before the instant is refused. Revocations are kept in three dicts and checked
lazily: each cache entry remembers the revocation `epoch` it was last checked at, so a
cache hit costs one integer comparison until a new revocation arrives, and a re-applied
revocation (a resync) changes nothing. There is no per-user index of cached tokens to
keep in step, so no entry can fall out of reach of a later revocation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal, Protocol

from servelo_common.identity import IDENTITY_MAX_AGE, Identity, encode_identity
from servelo_common.jwt import InvalidToken

from gateway import errors
from gateway.tenants import Org

# Revocations older than this cannot matter: every token issued before them has expired.
REVOCATION_TTL = 3600.0
# A cached identity header is re-signed after this long, well inside the services' window.
IDENTITY_RESIGN = IDENTITY_MAX_AGE / 3

Scope = Literal["user", "session", "org"]
SCOPES: tuple[Scope, ...] = ("user", "session", "org")


class Verifier(Protocol):
    """`servelo_common.jwt.JwtVerifier`'s interface."""

    def set_jwks(self, jwks: dict[str, Any]) -> None: ...
    def verify(self, token: str) -> dict[str, Any]: ...
    def unknown_kid(self, token: str) -> str | None: ...


class CachedAuth:
    """What a verified token means for one request; the identity header is encoded once
    per `IDENTITY_RESIGN` seconds."""

    __slots__ = (
        "epoch",
        "exp",
        "iat",
        "ident",
        "identity",
        "live",
        "org_id",
        "session_id",
        "user_id",
        "valid_until",
    )

    def __init__(self, *, exp: float, iat: float, ident: Identity, epoch: int) -> None:
        self.exp = exp
        self.iat = iat
        self.ident = ident
        self.user_id = ident.user_id or ""
        self.session_id = ident.session_id
        self.org_id = ident.org_id
        # The revocation epoch this entry was last checked against.
        self.epoch = epoch
        self.identity = b""
        # min(exp, when the identity header must be re-signed): one comparison per hit.
        self.valid_until = 0.0
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
        # scope -> subject id -> revoked-at (unix seconds, ms precision like `iat`).
        self.revoked: dict[Scope, dict[str, float]] = {scope: {} for scope in SCOPES}
        # Bumped by every revocation that refuses something new.
        self.epoch = 0
        # The claims cache, for servelo_gateway_claims_cache_*_total (admission counts a
        # connection's repeated header as a hit too).
        self.cache_hits = 0
        self.cache_misses = 0

    def set_jwks(self, jwks: dict[str, Any]) -> None:
        self.verifier.set_jwks(jwks)

    def authenticate(self, token: str, org: Org) -> AuthResult:
        hit = self._cache.get(token)
        if hit is None:
            self.cache_misses += 1
            return self._verify(token, org)
        self.cache_hits += 1
        if hit.org_id != org.id:
            # Another tenant's host, or a recreated slug (a new org id): not this org's token.
            return errors.INVALID_TOKEN
        if hit.epoch != self.epoch and not self._still_valid(hit):
            self._forget(token, hit)
            return errors.INVALID_TOKEN
        now = self.clock()
        if hit.valid_until <= now:
            if hit.exp <= now:
                self._forget(token, hit)
                return errors.TOKEN_EXPIRED
            self._sign(hit, now)
        return hit

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
            org_id = str(claims["org_id"])
            role = str(claims["role"])
            sid = claims.get("sid")
        except (KeyError, TypeError, ValueError):
            return errors.INVALID_TOKEN
        # Both: the id tells a recreated slug from the org the token was issued by.
        if slug != org.slug or org_id != org.id:
            return errors.INVALID_TOKEN
        now = self.clock()
        if exp <= now:
            return errors.TOKEN_EXPIRED
        ident = Identity(
            org_id=org.id,
            org_slug=org.slug,
            user_id=user_id,
            role=role,
            session_id=str(sid) if sid is not None else None,
            token_iat=iat,
        )
        entry = CachedAuth(exp=exp, iat=iat, ident=ident, epoch=-1)
        if not self._still_valid(entry):
            return errors.INVALID_TOKEN
        self._sign(entry, now)
        self._remember(token, entry)
        return entry

    def _still_valid(self, entry: CachedAuth) -> bool:
        """No revocation of the entry's user, session or org is newer than its token."""
        revoked = self.revoked
        iat = entry.iat
        sid = entry.session_id
        if (
            iat < revoked["user"].get(entry.user_id, 0.0)
            or iat < revoked["org"].get(entry.org_id, 0.0)
            or (sid is not None and iat < revoked["session"].get(sid, 0.0))
        ):
            return False
        entry.epoch = self.epoch
        return True

    def _sign(self, entry: CachedAuth, now: float) -> None:
        entry.identity = encode_identity(entry.ident, self.secret, signed_at=now).encode()
        entry.valid_until = min(entry.exp, now + IDENTITY_RESIGN)

    def public_identity(self, org: Org) -> bytes:
        """The org-only identity of public routes (login, refresh), re-signed like tokens'."""
        now = self.clock()
        value = org.public_identity
        if value is None or org.public_identity_until <= now:
            identity = Identity(org_id=org.id, org_slug=org.slug)
            value = org.public_identity = encode_identity(
                identity, self.secret, signed_at=now
            ).encode()
            org.public_identity_until = now + IDENTITY_RESIGN
        return value

    def revoke(self, scope: Scope, subject: str, revoked_at: float) -> None:
        """Tokens of `subject` (a user, session or org id) issued before `revoked_at` are
        refused from now on; applying the same revocation again changes nothing."""
        table = self.revoked[scope]
        if revoked_at > table.get(subject, 0.0):
            table[subject] = revoked_at
            self.epoch += 1

    def prune(self) -> None:
        """Drop expired or revoked cache entries and revocations too old to matter."""
        now = self.clock()
        for token, entry in list(self._cache.items()):
            if entry.exp <= now or (entry.epoch != self.epoch and not self._still_valid(entry)):
                self._forget(token, entry)
        cutoff = now - REVOCATION_TTL
        for table in self.revoked.values():
            for subject, at in list(table.items()):
                if at < cutoff:
                    del table[subject]

    def _remember(self, token: str, entry: CachedAuth) -> None:
        if len(self._cache) >= self.max_entries:
            self.prune()
            # Still full: drop the oldest half (dicts keep insertion order).
            if len(self._cache) >= self.max_entries:
                for old in list(self._cache)[: self.max_entries // 2 or 1]:
                    self._forget(old, self._cache[old])
        self._cache[token] = entry

    def _forget(self, token: str, entry: CachedAuth) -> None:
        entry.live = False
        self._cache.pop(token, None)

    def __len__(self) -> int:
        return len(self._cache)
