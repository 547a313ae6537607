"""Who is calling: the identity the gateway vouches for, signed with the internal secret.

The gateway strips every client `x-servelo-*` header and sets `X-Servelo-Identity`, an
HMAC-signed compact string. Services trust nothing else, so a service reached directly
(bypassing the gateway) cannot be talked into another tenant or role.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from uuid import UUID

IDENTITY_HEADER = "x-servelo-identity"
INTERNAL_HEADER = "x-servelo-internal"
# v2 adds the instant the gateway signed the header (whole seconds): a captured header is
# refused once it is older than a short window, whatever happened to the token since.
_VERSION = "v2"
_FIELDS = 8
# How old a signed identity may be when a service reads it (SERVELO_IDENTITY_MAX_AGE). The
# gateway re-signs a cached identity well before that (see gateway.tokens).
IDENTITY_MAX_AGE = 30.0
# Internal (service-to-service) signatures are valid this long, so a captured header
# cannot be replayed for ever.
INTERNAL_MAX_AGE = IDENTITY_MAX_AGE


class InvalidIdentity(Exception):
    """The identity header is missing, malformed or not signed with our secret."""


@dataclass(frozen=True, slots=True)
class Identity:
    org_id: str
    org_slug: str
    user_id: str | None = None
    role: str | None = None
    session_id: str | None = None
    token_iat: float | None = None

    @property
    def is_user(self) -> bool:
        return self.user_id is not None

    @property
    def org_uuid(self) -> UUID:
        """The tenant, as services and repositories take it."""
        return UUID(self.org_id)

    @property
    def user_uuid(self) -> UUID | None:
        """The signed-in user (the actor), None for a tenant-only identity."""
        return UUID(self.user_id) if self.user_id else None


def _sign(payload: str, secret: bytes) -> str:
    return hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()


def encode_identity(identity: Identity, secret: bytes, *, signed_at: float | None = None) -> str:
    """Serialize and sign; `;` cannot occur in any field (uuids, slugs, role names)."""
    iat = "" if identity.token_iat is None else repr(identity.token_iat)
    signed = int(signed_at if signed_at is not None else time.time())
    payload = ";".join(
        (
            _VERSION,
            str(signed),
            identity.org_id,
            identity.org_slug,
            identity.user_id or "",
            identity.role or "",
            identity.session_id or "",
            iat,
        )
    )
    return f"{payload};{_sign(payload, secret)}"


def decode_identity(
    value: str, secret: bytes, *, max_age: float = IDENTITY_MAX_AGE, now: float | None = None
) -> Identity:
    """The identity, if signed with `secret` within `max_age` seconds of `now` (either way:
    a header from a gateway whose clock runs ahead is as suspect as an old one)."""
    payload, sep, signature = value.rpartition(";")
    if not sep or not hmac.compare_digest(signature, _sign(payload, secret)):
        raise InvalidIdentity("bad signature")
    parts = payload.split(";")
    if len(parts) != _FIELDS or parts[0] != _VERSION or not parts[2] or not parts[3]:
        raise InvalidIdentity("malformed identity")
    _, signed, org_id, slug, user_id, role, session_id, iat = parts
    try:
        age = (now if now is not None else time.time()) - int(signed)
    except ValueError as exc:
        raise InvalidIdentity("malformed identity") from exc
    if not -max_age <= age <= max_age:
        raise InvalidIdentity("identity expired")
    return Identity(
        org_id=org_id,
        org_slug=slug,
        user_id=user_id or None,
        role=role or None,
        session_id=session_id or None,
        token_iat=float(iat) if iat else None,
    )


def internal_headers(secret: bytes, *, now: float | None = None) -> dict[str, str]:
    """Headers for a service-to-service call (e.g. the gateway loading the org registry)."""
    ts = repr(now if now is not None else time.time())
    return {INTERNAL_HEADER: f"{ts};{_sign('internal;' + ts, secret)}"}


def verify_internal(value: str | None, secret: bytes, *, now: float | None = None) -> bool:
    if not value:
        return False
    ts, sep, signature = value.partition(";")
    if not sep or not hmac.compare_digest(signature, _sign("internal;" + ts, secret)):
        return False
    try:
        age = (now if now is not None else time.time()) - float(ts)
    except ValueError:
        return False
    return -INTERNAL_MAX_AGE < age < INTERNAL_MAX_AGE
