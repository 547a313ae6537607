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
    # Where uvicorn listens (serve.py reads SERVELO_HOST too); the metrics listener as well.
    host: str = "127.0.0.1"
    # GET /metrics (Prometheus) on a listener of its own, never routed by the gateway; 0: off.
    metrics_port: int = Field(default=9464, ge=0, le=65535)
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

    # Bounded waits, in seconds. A service gives up on a request (503 + Retry-After) before
    # the gateway would answer 504 (SERVELO_GATEWAY_TIMEOUT), so the connection it held goes
    # back to the pool: one tenant's slow query cannot hold a service's whole pool.
    gateway_timeout: float = Field(default=30.0, gt=0)
    request_timeout: float | None = Field(default=None, gt=0)  # None: gateway timeout - 2
    db_statement_timeout: float | None = Field(default=None, gt=0)  # None: see below
    db_lock_timeout: float = Field(default=5.0, gt=0)
    db_idle_in_transaction_timeout: float = Field(default=60.0, gt=0)
    db_acquire_timeout: float = Field(default=5.0, gt=0)

    # The JetStream stream, applied when it is created and raised (never lowered) at start.
    nats_stream_replicas: int = Field(default=1, ge=1, le=5)
    nats_stream_max_age: float = Field(default=14 * 24 * 3600.0, gt=0)
    nats_stream_max_bytes: int = Field(default=-1, ge=-1)  # -1: no limit

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

    @model_validator(mode="after")
    def _deadlines_nest(self) -> ServiceSettings:
        if self.request_timeout is not None and self.request_timeout >= self.gateway_timeout:
            raise ValueError("SERVELO_REQUEST_TIMEOUT must be below SERVELO_GATEWAY_TIMEOUT")
        if (
            self.db_statement_timeout is not None
            and self.db_statement_timeout >= self.request_deadline
        ):
            raise ValueError("SERVELO_DB_STATEMENT_TIMEOUT must be below the request timeout")
        return self

    @property
    def request_deadline(self) -> float:
        """Seconds a request may take until its answer starts."""
        if self.request_timeout is not None:
            return self.request_timeout
        return max(self.gateway_timeout - 2.0, self.gateway_timeout * 0.8)

    @property
    def statement_timeout(self) -> float:
        """Postgres `statement_timeout`: 15 s, or 60% of the request deadline if less."""
        if self.db_statement_timeout is not None:
            return self.db_statement_timeout
        return min(15.0, self.request_deadline * 0.6)

    @property
    def secret(self) -> bytes:
        return self.internal_secret.get_secret_value().encode()

    def public_url(self, slug: str, path: str) -> str:
        """An absolute URL on a tenant's host, for links in mail."""
        port = f":{self.public_port}" if self.public_port else ""
        return f"{self.public_scheme}://{slug}.{self.base_domain}{port}{path}"
