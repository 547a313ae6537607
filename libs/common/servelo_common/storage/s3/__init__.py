"""S3-compatible object storage (AWS S3, MinIO, Cloudflare R2, ...) behind `Storage`."""

from servelo_common.storage.s3.client import S3Storage
from servelo_common.storage.s3.config import S3Config, S3Settings

__all__ = ["S3Config", "S3Settings", "S3Storage"]
