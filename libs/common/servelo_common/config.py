"""Typed settings from `SERVELO_*` environment variables, failing fast on unsafe values."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from servelo_common.identity import IDENTITY_MAX_AGE

Environment = Literal["development", "test", "production"]


class ServiceSettings(BaseSettings):
    """What every service needs; a service subclasses it for its own settings."""

    model_config = SettingsConfigDict(env_prefix="SERVELO_", extra="ignore", frozen=True)

    env: Environment = "production"
    database_url: str
    nats_url: str
    # Signs the identity the gateway forwards; shared by the gateway and every service.
    internal_secret: SecretStr
    base_domain: str = "localhost"
    system_admin_org: str = "admin"
    log_level: str = "INFO"
    db_pool_min: int = 1
    db_pool_max: int = 10
    # Local state (mail drop, uploaded files) when no external store is configured.
    data_dir: Path = Path(".servelo")
    smtp_url: str | None = None
    mail_from: str = "Servelo <no-reply@servelo.local>"
    public_scheme: str = "http"
    public_port: int | None = None
    jwt_issuer: str = "servelo"
    jwt_audience: str = "servelo-api"
    # Seconds a gateway-signed identity header stays acceptable (replay window).
    identity_max_age: float = Field(default=IDENTITY_MAX_AGE, gt=0, le=300)
    # Apply pending migrations at start (safe with replicas: an advisory lock serializes).
    migrate_on_start: bool = True

    @field_validator("internal_secret")
    @classmethod
    def _secret_long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 32:
            raise ValueError("SERVELO_INTERNAL_SECRET must be at least 32 characters")
        return value

    @model_validator(mode="after")
    def _no_dev_secrets_in_production(self) -> ServiceSettings:
        if self.env == "production" and self.internal_secret.get_secret_value().startswith("dev-"):
            raise ValueError("SERVELO_INTERNAL_SECRET is a development secret; set a real one")
        return self

    @property
    def secret(self) -> bytes:
        return self.internal_secret.get_secret_value().encode()

    def public_url(self, slug: str, path: str) -> str:
        """An absolute URL on a tenant's host, for links in mail."""
        port = f":{self.public_port}" if self.public_port else ""
        return f"{self.public_scheme}://{slug}.{self.base_domain}{port}{path}"
