"""The Standard Webhooks headers of one delivery attempt (https://www.standardwebhooks.com).

`webhook-signature` has one `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per active
secret, space-separated, newest first: during a rotation receivers holding either secret
verify the same request. Computed here on the body's bytes as sent (the `standardwebhooks`
library, which receivers verify with, makes the same value: tests/unit/test_signing.py) so
that an attempt does not decode and encode the body once per secret.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from collections.abc import Sequence

USER_AGENT = "Servelo-Webhooks/1"
_PREFIX = "whsec_"


@functools.lru_cache(maxsize=4096)
def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(_PREFIX))  # decoded once, not per attempt


def signature(secrets: Sequence[str], *, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1," + base64.b64encode(hmac.digest(_key(s), signed, hashlib.sha256)).decode()
        for s in secrets
    )


def delivery_headers(
    secrets: Sequence[str], *, msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secrets, msg_id=msg_id, timestamp=timestamp, body=body),
    }
