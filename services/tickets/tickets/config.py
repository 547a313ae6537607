"""Settings of the tickets service (on top of what every service reads)."""

from __future__ import annotations

from pydantic import Field
from servelo_common.config import ServiceSettings

MIB = 1024 * 1024


class Settings(ServiceSettings):
    # Where photos go: unset -> `<data_dir>/files/`; `file:///path`; `s3://bucket/prefix`
    # with `SERVELO_S3_*` (read by `servelo_common.storage.S3Settings` at start).
    storage_url: str | None = None
    # SERVELO_TICKETS_PHOTO_MAX_BYTES: larger uploads answer 413 and store nothing.
    tickets_photo_max_bytes: int = Field(default=10 * MIB, gt=0)
