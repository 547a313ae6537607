"""Signing secrets: made here, shown once, stored only encrypted (AES-256-GCM).

A sealed secret is `kid (4 bytes) | nonce (12) | ciphertext+tag`, with the endpoint's org
and id as associated data, so a row copied to another endpoint does not decrypt. The kid
(the first bytes of the key's SHA-256) says which of the configured keys sealed it, so keys
can be rotated: the first encrypts, all decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "whsec_"
SECRET_BYTES = 32
_KID, _NONCE = 4, 12


def new_secret() -> str:
    """`whsec_` + base64 of 32 random bytes (the Standard Webhooks form)."""
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _kid(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()[:_KID]


def parse_keys(spec: str) -> list[bytes]:
    """`k1,k2,...`, each base64 (standard or URL-safe) of 32 bytes; ValueError otherwise."""
    keys = []
    for item in (s.strip() for s in spec.split(",")):
        if not item:
            continue
        try:
            raw = base64.b64decode(item.replace("-", "+").replace("_", "/") + "==")
        except (binascii.Error, ValueError) as exc:
            raise ValueError("a webhook secret key is not base64") from exc
        if len(raw) != 32:
            raise ValueError("a webhook secret key must be 32 bytes (base64 of 32 random bytes)")
        keys.append(raw)
    if not keys:
        raise ValueError("no webhook secret key given")
    return keys


def derived_key(material: bytes) -> bytes:
    """Outside production, when no key is set: a key derived from the internal secret."""
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"servelo-webhook-secrets").derive(material)


class SecretBox:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("SecretBox needs a key")
        self._sealer = (_kid(keys[0]), AESGCM(keys[0]))
        self._openers = {_kid(k): AESGCM(k) for k in keys}

    def seal(self, secret: str, *, aad: bytes) -> bytes:
        kid, aead = self._sealer
        nonce = os.urandom(_NONCE)
        return kid + nonce + aead.encrypt(nonce, secret.encode(), aad)

    def open(self, blob: bytes, *, aad: bytes) -> str:
        """The secret; ValueError when no configured key sealed it or it was tampered with."""
        aead = self._openers.get(bytes(blob[:_KID]))
        if aead is None:
            raise ValueError("sealed with a key that is not configured")
        nonce, body = bytes(blob[_KID : _KID + _NONCE]), bytes(blob[_KID + _NONCE :])
        try:
            return aead.decrypt(nonce, body, aad).decode()
        except Exception as exc:  # InvalidTag: the wrong associated data or a changed blob
            raise ValueError("secret does not decrypt") from exc


def endpoint_aad(org_id: object, endpoint_id: object) -> bytes:
    return f"{org_id}:{endpoint_id}".encode()
