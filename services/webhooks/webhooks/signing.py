"""The Standard Webhooks headers of one delivery attempt (https://www.standardwebhooks.com).

`webhook-signature` has one `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per active
secret, space-separated, newest first: during a rotation receivers holding either secret
verify the same request.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks import Webhook

USER_AGENT = "Servelo-Webhooks/1"


@functools.lru_cache(maxsize=4096)
def _signer(secret: str) -> Webhook:
    return Webhook(secret)  # decodes the secret once, not at every attempt


def signature(secrets: Sequence[str], *, msg_id: str, timestamp: int, body: bytes) -> str:
    when = datetime.fromtimestamp(timestamp, UTC)
    data = body.decode()
    return " ".join(_signer(s).sign(msg_id, when, data) for s in secrets)


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
