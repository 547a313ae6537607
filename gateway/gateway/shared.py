"""Identity and JWT helpers from `servelo_common` when present, else local stand-ins.

The gateway imports these names only from here, so reconciling with the shared
library means deleting the stand-ins and this indirection.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

from gateway import _identity_fallback, _jwt_fallback


def _load(shared: str, fallback: ModuleType, needed: tuple[str, ...]) -> ModuleType:
    try:
        module = importlib.import_module(shared)
    except ModuleNotFoundError:
        return fallback
    return module if all(hasattr(module, n) for n in needed) else fallback


_identity = _load(
    "servelo_common.identity",
    _identity_fallback,
    ("Identity", "encode_identity", "decode_identity", "internal_headers"),
)
_jwt = _load("servelo_common.jwt", _jwt_fallback, ("JwtVerifier", "InvalidToken"))

Identity: type[_identity_fallback.Identity] = _identity.Identity
encode_identity: Callable[[_identity_fallback.Identity, bytes], str] = _identity.encode_identity
decode_identity: Callable[[str, bytes], _identity_fallback.Identity] = _identity.decode_identity
internal_headers: Callable[[bytes], dict[str, str]] = _identity.internal_headers
IDENTITY_HEADER: str = getattr(_identity, "IDENTITY_HEADER", "x-servelo-identity")

JwtVerifier: type[_jwt_fallback.JwtVerifier] = _jwt.JwtVerifier
InvalidToken: type[Exception] = _jwt.InvalidToken
USING_SHARED_IDENTITY = _identity is not _identity_fallback
USING_SHARED_JWT = _jwt is not _jwt_fallback


def invalid_token_message(exc: Exception) -> str:
    message: Any = getattr(exc, "message", None) or (exc.args[0] if exc.args else "")
    return message if message in ("Token expired", "Invalid token") else "Invalid token"
