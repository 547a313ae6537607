"""Typed gateway settings, read from `SERVELO_*` environment variables; unsafe values fail fast."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024

SERVICE_NAMES = ("auth", "tickets", "crm", "finance", "team", "webhooks")

# A prefix -> a service name, or {"service", "timeout", "max_body"} (as SERVELO_GATEWAY_ROUTES).
DEFAULT_ROUTES: dict[str, str | dict[str, Any]] = {
    "/api/auth": "auth",
    "/api/users": "auth",
    "/api/settings": "auth",
    "/api/admin": "auth",
    "/api/audit": "auth",
    "/api/tickets": "tickets",
    "/api/customers": "crm",
    "/api/quotes": "crm",
    "/api/revenue": "finance",
    "/api/expenses": "finance",
    "/api/finance": "finance",
    "/api/team-members": "team",
    "/api/roles": "team",
    "/api/projects": "team",
    "/api/allocations": "team",
    "/api/actuals": "team",
    "/api/webhooks": "webhooks",
    # The feed long-polls for up to 30 s (`wait`): its answers may take longer than others'.
    "/api/events": {"service": "webhooks", "timeout": 45.0},
}


class Settings(BaseSettings):
    """Everything the gateway reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="SERVELO_", extra="ignore")

    env: Literal["development", "test", "production"] = "production"
    base_domain: str = "localhost"
    gateway_host: str = "0.0.0.0"
    gateway_port: int = Field(default=8080, ge=0, le=65535)
    nats_url: str | None = None
    internal_secret: SecretStr

    # Required: an empty value means "not deployed" (its routes answer 503); unset fails fast.
    auth_url: str
    tickets_url: str
    crm_url: str
    finance_url: str
    team_url: str
    webhooks_url: str

    # JSON object: prefix -> service name | URL | {"service"|"url", "timeout", "max_body"}.
    gateway_routes: dict[str, Any] = Field(default_factory=dict)
    gateway_timeout: float = Field(default=30.0, gt=0)
    gateway_connect_timeout: float = Field(default=2.0, gt=0)
    gateway_max_body: int = Field(default=MIB, ge=0)
    gateway_upload_max_body: int = Field(default=25 * MIB, ge=0)
    # "METHOD /path/with/*/segments" patterns that get the upload body limit.
    gateway_upload_routes: list[str] = Field(
        default_factory=lambda: ["POST /api/tickets/*/photos", "POST /api/users/me/avatar"]
    )

    # Abuse limits (docs/decisions.md, "Gateway limits"): request line + headers, the time a
    # head may take from its first byte, idle keep-alive, a client that reads nothing.
    gateway_max_header_bytes: int = Field(default=16 * 1024, ge=1024, le=1024 * 1024)
    gateway_header_timeout: float = Field(default=10.0, gt=0)
    gateway_keepalive_timeout: float = Field(default=75.0, gt=0)
    gateway_send_timeout: float = Field(default=60.0, gt=0)
    # Open client connections: in all, and per client address (0: no per-address cap).
    gateway_max_connections: int = Field(default=10_000, ge=1)
    gateway_max_connections_per_ip: int = Field(default=256, ge=0)
    # Requests read ahead of the one being answered on a connection (pipelining).
    gateway_max_pipelined: int = Field(default=16, ge=1, le=1024)

    # Requests per minute; 0 disables a limit. In memory, per replica (auth's database holds
    # the sign-in lockouts that hold across replicas: docs/auth.md).
    ratelimit_ip_per_minute: int = Field(default=6000, ge=0)
    # Charged only once a token is valid: junk tokens cannot use up a tenant's budget.
    ratelimit_tenant_per_minute: int = Field(default=60000, ge=0)
    # Per client address, for requests without a valid token (public routes, bad tokens).
    ratelimit_anonymous_per_minute: int = Field(default=600, ge=0)
    # Per client address on the sign-in routes (login, magic link), whatever the email.
    ratelimit_signin_ip_per_minute: int = Field(default=30, ge=0)
    ratelimit_login_per_minute: int = Field(default=10, ge=0)
    ratelimit_magic_link_per_minute: int = Field(default=5, ge=0)
    ratelimit_refresh_per_minute: int = Field(default=30, ge=0)

    cors_origins: str = ""
    trusted_proxies: str = ""
    jwt_issuer: str = "servelo"
    jwt_audience: str = "servelo-api"
    jwks_refresh_interval: float = Field(default=300.0, gt=0)
    claims_cache_size: int = Field(default=100_000, gt=0)
    # Registry misses looked up at auth, per second per replica (see gateway.orglookup).
    org_lookups_per_second: int = Field(default=20, gt=0)
    # Every request logged; else one in `access_log_sample` (and every 5xx), 0: none.
    access_log: bool = False
    access_log_sample: int = Field(default=100, ge=0)
    # GET /metrics (and /healthz, /readyz) for Prometheus, never on the public port; 0: off.
    gateway_admin_port: int = Field(default=9090, ge=0, le=65535)

    # Bench/dev only: load orgs / JWKS from files instead of auth + NATS.
    gateway_static_orgs: Path | None = None
    gateway_static_jwks: Path | None = None

    @field_validator("internal_secret")
    @classmethod
    def _secret_long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 32:
            raise ValueError("SERVELO_INTERNAL_SECRET must be at least 32 characters")
        return value

    @field_validator(
        "auth_url", "tickets_url", "crm_url", "finance_url", "team_url", "webhooks_url"
    )
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith("http://"):
            raise ValueError(f"service URL must start with http:// (got {value!r})")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _production_is_safe(self) -> Settings:
        if self.env == "production":
            if self.internal_secret.get_secret_value().startswith("dev-"):
                raise ValueError("a SERVELO_INTERNAL_SECRET starting with 'dev-' is refused")
            if self.gateway_static_orgs or self.gateway_static_jwks:
                raise ValueError("SERVELO_GATEWAY_STATIC_* are refused in production")
        if self.gateway_static_orgs is None and not self.nats_url:
            raise ValueError("SERVELO_NATS_URL is required (the org registry follows NATS events)")
        if self.gateway_static_orgs is None and not self.auth_url:
            raise ValueError("SERVELO_AUTH_URL is required (the org snapshot comes from auth)")
        return self

    @property
    def secret(self) -> bytes:
        return self.internal_secret.get_secret_value().encode()

    @property
    def service_urls(self) -> dict[str, str]:
        return {name: getattr(self, f"{name}_url") for name in SERVICE_NAMES}

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]


def describe_error(exc: Exception) -> str:
    """Turn a settings ValidationError into one readable line per problem."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    lines = []
    for err in errors():
        loc = ".".join(str(p) for p in err.get("loc", ()))
        name = f"SERVELO_{loc.upper()}" if loc else "settings"
        lines.append(f"{name}: {err.get('msg')}")
    return "; ".join(lines)
