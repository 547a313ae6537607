"""File storage behind a small interface: ticket photos, avatars.

    storage = storage_from_url(settings.storage_url, settings.data_dir)
    size = await storage.put("org/ticket/photo", chunks, max_bytes=10 * MIB)
    async for chunk in storage.open("org/ticket/photo"): ...

Keys are relative, `/`-separated paths of `[A-Za-z0-9._-]` segments; a service prefixes
them with the org id so `delete_prefix(f"{org_id}/")` removes everything of an org.
`LocalStorage` (the default, `<data_dir>/files/`) writes to a temporary file and renames
it, so a reader never sees half a file. `s3://bucket/prefix` is `servelo_common.s3.S3Storage`
(S3-compatible object storage, configured by `SERVELO_S3_*`; incomplete settings fail at start).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

CHUNK = 64 * 1024
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_REGION = re.compile(r"^[a-z0-9-]{1,32}$")


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
    if not body or not all(_SEGMENT.match(s) for s in body.split("/")):
        raise ValueError(f"invalid storage key {key!r}")
    return body


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


class S3Settings(BaseSettings):
    """`SERVELO_S3_*`, read only for `SERVELO_STORAGE_URL=s3://...`; `servelo_common.s3`.

    An endpoint (`http(s)://host[:port]`) is for S3-compatible servers (MinIO, R2, ...) and
    switches to path-style addressing; unset means AWS. Both keys are required.
    """

    model_config = SettingsConfigDict(env_prefix="SERVELO_S3_", extra="ignore", frozen=True)

    endpoint: str | None = None
    region: str = "us-east-1"
    access_key_id: str | None = None
    secret_access_key: SecretStr | None = None


@dataclass(frozen=True)
class S3Config:
    """Where and how `S3Storage` talks to the bucket, checked once at start."""

    base: str  # scheme://host[:port]
    host: str  # the Host header, signed
    bucket_path: str  # "/<bucket>" path-style, "" virtual-hosted
    prefix: str  # "" or "some/prefix/", put before every key
    region: str
    access_key_id: str
    secret_access_key: SecretStr

    @classmethod
    def from_url(cls, url: str, settings: S3Settings) -> S3Config:
        """Fails with a ValueError naming what is wrong or missing (checked at start)."""
        parts = urlsplit(url)
        bucket = parts.netloc
        if not _BUCKET.match(bucket) or parts.query or parts.fragment:
            raise ValueError(
                "SERVELO_STORAGE_URL must be s3://<bucket>[/<prefix>] with a "
                "valid bucket name; credentials go in SERVELO_S3_*"
            )
        prefix = parts.path.strip("/")
        if prefix and not all(_SEGMENT.match(s) for s in prefix.split("/")):
            raise ValueError(f"SERVELO_STORAGE_URL: invalid prefix {prefix!r}")
        missing = [
            name
            for name, value in (
                ("SERVELO_S3_ACCESS_KEY_ID", settings.access_key_id),
                ("SERVELO_S3_SECRET_ACCESS_KEY", settings.secret_access_key),
            )
            if not value
        ]
        if missing:
            raise ValueError(f"SERVELO_STORAGE_URL=s3://... needs {' and '.join(missing)}")
        if not _REGION.match(settings.region):
            raise ValueError(f"SERVELO_S3_REGION is not a region name: {settings.region!r}")
        if settings.endpoint:
            ep = urlsplit(settings.endpoint)
            if (
                ep.scheme not in ("http", "https")
                or not ep.hostname
                or "@" in ep.netloc
                or ep.path not in ("", "/")
                or ep.query
                or ep.fragment
            ):
                raise ValueError("SERVELO_S3_ENDPOINT must be http(s)://host[:port]")
            host, base, bucket_path = ep.netloc, f"{ep.scheme}://{ep.netloc}", f"/{bucket}"
        else:
            host = f"{bucket}.s3.{settings.region}.amazonaws.com"
            base, bucket_path = f"https://{host}", ""
        assert settings.access_key_id is not None and settings.secret_access_key is not None
        return cls(
            base=base,
            host=host,
            bucket_path=bucket_path,
            prefix=f"{prefix}/" if prefix else "",
            region=settings.region,
            access_key_id=settings.access_key_id,
            secret_access_key=settings.secret_access_key,
        )


def storage_from_url(url: str | None, data_dir: Path, *, s3: S3Settings | None = None) -> Storage:
    """`SERVELO_STORAGE_URL`: unset -> `<data_dir>/files/`; `file:///path`; `s3://bucket/prefix`.

    For `s3://`, `s3` defaults to the `SERVELO_S3_*` environment; uploads spool in
    `<data_dir>/tmp/`. A ValueError names what is wrong, so a service fails at start.
    """
    if not url:
        return LocalStorage(Path(data_dir) / "files")
    if url.startswith("file://"):
        return LocalStorage(Path(url.removeprefix("file://")))
    if url.startswith("s3://"):
        from servelo_common.s3 import S3Storage  # s3 imports this module

        config = S3Config.from_url(url, s3 or S3Settings())
        return S3Storage(config, spool_dir=Path(data_dir) / "tmp")
    raise ValueError(
        f"SERVELO_STORAGE_URL must be file:///path or s3://bucket/prefix (got {url!r})"
    )
