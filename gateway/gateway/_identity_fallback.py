"""Stand-in for `servelo_common.identity` until the shared library ships it (same interface).

Format: base64url(JSON) "." base64url(HMAC-SHA256(secret, JSON)). Only used when
`servelo_common.identity` is missing; the shared module wins as soon as it exists.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import asdict, dataclass

import orjson

IDENTITY_HEADER = "x-servelo-identity"
INTERNAL_HEADER = "x-servelo-internal"


@dataclass(frozen=True, slots=True)
class Identity:
    org_id: str
    org_slug: str
    user_id: str | None = None
    role: str | None = None
    session_id: str | None = None
    token_iat: float | None = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: bytes, secret: bytes) -> bytes:
    return hmac.new(secret, payload, hashlib.sha256).digest()


def encode_identity(identity: Identity, secret: bytes) -> str:
    payload = orjson.dumps(asdict(identity))
    return f"{_b64(payload)}.{_b64(_sign(payload, secret))}"


def decode_identity(value: str, secret: bytes) -> Identity:
    try:
        body, sig = value.split(".", 1)
        payload = _unb64(body)
        if not hmac.compare_digest(_unb64(sig), _sign(payload, secret)):
            raise ValueError("bad identity signature")
        return Identity(**orjson.loads(payload))
    except (ValueError, TypeError) as exc:
        raise ValueError("invalid identity header") from exc


def internal_headers(secret: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    return {INTERNAL_HEADER: f"{stamp}.{_b64(_sign(stamp.encode(), secret))}"}
