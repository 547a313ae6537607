"""Signing keys and the opaque secrets: refresh tokens and magic-link tokens.

Secrets carry 256 random bits, so a plain sha256 is a safe storage hash (no brute force
of the preimage is possible) and lets us look rows up by hash.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import time
from pathlib import Path
from uuid import UUID

from servelo_common.jwt import SigningKey, parse_signing_keys

log = logging.getLogger("auth.tokens")


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def refresh_token(family: UUID) -> str:
    """`<family id hex>.<secret>`: the gateway rate-limits refresh per family prefix."""
    return f"{family.hex}.{new_secret()}"


def family_of(token: str) -> UUID | None:
    prefix, sep, rest = token.partition(".")
    if not sep or not rest:
        return None
    try:
        return UUID(hex=prefix)
    except ValueError:
        return None


def load_keys(spec: str | None, data_dir: Path) -> list[SigningKey]:
    """Configured keys, or (development/test only) one generated and kept in data_dir."""
    if spec:
        return parse_signing_keys(spec)
    path = data_dir / "jwt-keys.json"
    if not path.exists():
        key = SigningKey.generate()
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: two replicas starting together end up with the same single key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump([{"kid": key.kid, "pem": key.to_pem()}], fh)
            log.warning("generated a development JWT signing key", extra={"file": str(path)})
        except FileExistsError:
            pass
    for _ in range(50):
        try:
            return parse_signing_keys(path.read_text())
        except ValueError:  # another replica is still writing it (JSONDecodeError included)
            time.sleep(0.1)
    return parse_signing_keys(path.read_text())
