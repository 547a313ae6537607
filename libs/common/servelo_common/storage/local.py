"""Files on a local disk (`<data_dir>/files/` by default): written to a temporary file and
renamed, so a reader never sees half a file."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from servelo_common.storage.base import CHUNK, TooLarge, check_key


class LocalStorage:
    """Files under `root`; file I/O runs in threads so the event loop never blocks on disk."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(
        self, key: str, chunks: AsyncIterator[bytes], *, max_bytes: int | None = None
    ) -> int:
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
