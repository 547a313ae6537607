"""What every storage is: the interface, its errors, and the key rule.

Keys are relative, `/`-separated paths of `[A-Za-z0-9._-]` segments; a service prefixes
them with the org id so `delete_prefix(f"{org_id}/")` removes everything of an org.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Protocol

CHUNK = 64 * 1024
SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")


class StorageError(Exception):
    """Base of the errors a storage raises."""


class TooLarge(StorageError):
    """More than `max_bytes` arrived; nothing was stored."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"more than {max_bytes} bytes")
        self.max_bytes = max_bytes


class Storage(Protocol):
    async def put(
        self, key: str, chunks: AsyncIterator[bytes], *, max_bytes: int | None = None
    ) -> int:
        """Store the chunks under `key` (replacing it); returns the size in bytes."""
        ...

    def open(self, key: str) -> AsyncIterator[bytes]:
        """The object's bytes in chunks; FileNotFoundError on the first read if absent."""
        ...

    async def delete(self, key: str) -> None:
        """Remove one object; absent is fine."""
        ...

    async def delete_prefix(self, prefix: str) -> None:
        """Remove every object whose key starts with `prefix` (a `dir/` prefix)."""
        ...


def check_key(key: str, *, prefix: bool = False) -> str:
    body = key[:-1] if prefix and key.endswith("/") else key
    if not body or not all(SEGMENT.match(s) for s in body.split("/")):
        raise ValueError(f"invalid storage key {key!r}")
    return body
