"""File storage behind a small interface: ticket photos, avatars.

    storage = storage_from_url(settings.storage_url, settings.data_dir)
    size = await storage.put("org/ticket/photo", chunks, max_bytes=10 * MIB)
    async for chunk in storage.open("org/ticket/photo"): ...

Keys are relative, `/`-separated paths of `[A-Za-z0-9._-]` segments; a service prefixes
them with the org id so `delete_prefix(f"{org_id}/")` removes everything of an org.
`LocalStorage` (the default, `<data_dir>/files/`) writes to a temporary file and renames
it, so a reader never sees half a file. `s3://bucket/prefix` is `storage.s3.S3Storage`
(S3-compatible object storage, configured by `SERVELO_S3_*`; incomplete settings fail at start).

`base` (interface, errors, keys) <- `local`, `s3/{config,sigv4,client}` <- this module: no
module imports one that imports it.
"""

from __future__ import annotations

from pathlib import Path

from servelo_common.storage.base import CHUNK, Storage, StorageError, TooLarge, check_key
from servelo_common.storage.local import LocalStorage
from servelo_common.storage.s3 import S3Config, S3Settings, S3Storage

__all__ = [
    "CHUNK",
    "LocalStorage",
    "S3Config",
    "S3Settings",
    "S3Storage",
    "Storage",
    "StorageError",
    "TooLarge",
    "check_key",
    "storage_from_url",
]


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
        config = S3Config.from_url(url, s3 or S3Settings())
        return S3Storage(config, spool_dir=Path(data_dir) / "tmp")
    raise ValueError(
        f"SERVELO_STORAGE_URL must be file:///path or s3://bucket/prefix (got {url!r})"
    )
