"""Auth's settings: signing keys, the bootstrap admin, the password-hash cost."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from servelo_common.config import ServiceSettings


class Settings(ServiceSettings):
    # JSON list of {"kid", "pem"} (Ed25519 PKCS8); the first signs, all verify.
    jwt_keys: SecretStr | None = None
    bootstrap_admin_email: str | None = None
    bootstrap_admin_password: SecretStr | None = None
    # `fast` makes argon2 cheap for test suites; never allowed in production.
    password_hash_profile: Literal["default", "fast"] = "default"  # noqa: S105
    # Hashes computed at once per replica; each takes 64 MiB with the default profile.
    password_hash_concurrency: int = Field(default=2, ge=1, le=64)
    # Requests waiting for a hash slot per replica; past it, 503 with Retry-After at once.
    password_hash_queue: int = Field(default=32, ge=1, le=10_000)
    refresh_token_days: int = 30
    avatar_max_bytes: int = 2 * 1024 * 1024
    preferences_max_bytes: int = 16 * 1024

    @model_validator(mode="after")
    def _production_rules(self) -> Settings:
        if self.env == "production":
            if self.jwt_keys is None:
                raise ValueError("SERVELO_JWT_KEYS is required in production")
            if self.password_hash_profile == "fast":  # noqa: S105
                raise ValueError("SERVELO_PASSWORD_HASH_PROFILE=fast is not allowed in production")
        return self
