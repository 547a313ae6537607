"""The webhooks service's settings: delivery safety and pace, secret encryption, the feed."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator, model_validator
from servelo_common.config import ServiceSettings

DAY = 86400.0


class Settings(ServiceSettings):
    """`SERVELO_*` variables; see services/webhooks/README.md."""

    # Comma list of base64 AES-256 keys for the stored signing secrets: the first encrypts,
    # every one decrypts (rotation). Required in production; elsewhere derived from
    # SERVELO_INTERNAL_SECRET when unset.
    webhooks_secret_keys: SecretStr | None = None
    # Seconds one delivery attempt may take, connection included.
    webhooks_timeout: float = Field(default=10.0, gt=0, le=60)
    # Attempts in flight per replica, and per endpoint per replica (a slow endpoint holds at
    # most this many of the replica's slots). 256: with 64, 50 busy endpoints left the
    # replica waiting on answers rather than working (docs/benchmarks-webhooks.md).
    webhooks_concurrency: int = Field(default=256, ge=1, le=4096)
    webhooks_endpoint_concurrency: int = Field(default=4, ge=1, le=256)
    # Retries: base * 2^(n-1) seconds (+-20% jitter), at most `retry_max`, for `retry_window`
    # seconds; an endpoint failing that long without a success is disabled.
    webhooks_retry_base: float = Field(default=5.0, gt=0)
    webhooks_retry_max: float = Field(default=3600.0, gt=0)
    webhooks_retry_window: float = Field(default=3 * DAY, gt=0)
    # `host:port` of the DNS server endpoint names are resolved with (unset: the system's).
    webhooks_dns_server: str | None = None
    # Comma list of CIDRs an operator allows besides public addresses (an internal receiver).
    webhooks_allow_networks: str = ""
    # Seconds between two looks for due deliveries when no NOTIFY woke the dispatcher.
    webhooks_poll_interval: float = Field(default=1.0, gt=0, le=60)
    # The event feed: days kept, seconds between purges, long-polls waiting per replica and
    # per org.
    events_retention_days: float = Field(default=30.0, gt=0)
    events_purge_interval: float = Field(default=3600.0, gt=0)
    events_max_waiters: int = Field(default=1000, ge=0)
    events_max_waiters_per_org: int = Field(default=10, ge=0)

    @field_validator("webhooks_dns_server")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        host, _, port = value.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("SERVELO_WEBHOOKS_DNS_SERVER must be host:port (e.g. 10.0.0.2:53)")
        return value.strip()

    @model_validator(mode="after")
    def _production_rules(self) -> Settings:
        if self.env == "production":
            keys = self.webhooks_secret_keys.get_secret_value() if self.webhooks_secret_keys else ""
            if not keys.strip():
                raise ValueError("SERVELO_WEBHOOKS_SECRET_KEYS is required in production")
            if keys.startswith("dev-"):
                raise ValueError("SERVELO_WEBHOOKS_SECRET_KEYS is a development value")
        return self

    @property
    def allowed_networks(self) -> list[str]:
        return [n.strip() for n in self.webhooks_allow_networks.split(",") if n.strip()]
