"""Where and how the S3 client talks to its bucket: `SERVELO_S3_*`, checked once at start."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from servelo_common.storage.base import SEGMENT

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_REGION = re.compile(r"^[a-z0-9-]{1,32}$")


class S3Settings(BaseSettings):
    """`SERVELO_S3_*`, read only for `SERVELO_STORAGE_URL=s3://...`.

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
        if prefix and not all(SEGMENT.match(s) for s in prefix.split("/")):
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
