"""File storage behind a small interface: ticket photos, avatars.

    storage = storage_from_url(settings.storage_url, settings.data_dir)
    size = await storage.put("org/ticket/photo", chunks, max_bytes=10 * MIB)
    async for chunk in storage.open("org/ticket/photo"): ...

Keys are relative, `/`-separated paths of `[A-Za-z0-9._-]` segments; a service prefixes
them with the org id so `delete_prefix(f"{org_id}/")` removes everything of an org.
`LocalStorage` (the default, `<data_dir>/files/`) writes to a temporary file and renames
it, so a reader never sees half a file. `s3://` is not implemented yet and fails fast.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 64 * 1024
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")


class StorageError(Exception):
    """Base of the errors a storage raises."""


class TooLarge(StorageError):
    """More than `max_bytes` arrived; nothing was stored."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"more than {max_bytes} bytes")
        self.max_bytes = max_bytes


class Storage(Protocol):
    async def put(self, key: str, chunks: AsyncIterator[bytes], *,
                  max_bytes: int | None = None) -> int:
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
    if not body or not all(_SEGMENT.match(s) for s in body.split("/")):
        raise ValueError(f"invalid storage key {key!r}")
    return body


class LocalStorage:
    """Files under `root`; file I/O runs in threads so the event loop never blocks on disk."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(self, key: str, chunks: AsyncIterator[bytes], *,
                  max_bytes: int | None = None) -> int:
        path = self._path(key)
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        size = 0
        handle: BinaryIO = await asyncio.to_thread(open, tmp, "wb")
        try:
            async for chunk in chunks:
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise TooLarge(max_bytes)
                await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(_flush, handle)
            handle.close()
            await asyncio.to_thread(os.replace, tmp, path)
        except BaseException:
            handle.close()
            await asyncio.to_thread(tmp.unlink, True)
            raise
        return size

    async def open(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        handle: BinaryIO = await asyncio.to_thread(open, path, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)

    async def delete_prefix(self, prefix: str) -> None:
        target = self.root / check_key(prefix, prefix=True)
        if prefix.endswith("/"):
            await asyncio.to_thread(shutil.rmtree, target, True)
            return
        # A partial name: every sibling file or folder starting with it.
        parent, stem = target.parent, target.name

        def remove() -> None:
            if parent.is_dir():
                for entry in parent.iterdir():
                    if entry.name.startswith(stem):
                        if entry.is_dir():
                            shutil.rmtree(entry, True)
                        else:
                            entry.unlink(True)

        await asyncio.to_thread(remove)


def _flush(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def storage_from_url(url: str | None, data_dir: Path) -> Storage:
    """`SERVELO_STORAGE_URL`: unset -> `<data_dir>/files/`; `file:///path`; `s3://` later."""
    if not url:
        return LocalStorage(Path(data_dir) / "files")
    if url.startswith("file://"):
        return LocalStorage(Path(url.removeprefix("file://")))
    if url.startswith("s3://"):
        raise ValueError("SERVELO_STORAGE_URL=s3://... is not supported yet; "
                         "leave it unset (local files) or use file:///path")
    raise ValueError(f"SERVELO_STORAGE_URL must be file:///path (got {url!r})")
