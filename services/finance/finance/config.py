"""Finance settings: only what every service has; the summary's limits are constants."""

from __future__ import annotations

from servelo_common.config import ServiceSettings


class Settings(ServiceSettings):
    """`SERVELO_*` environment (database, NATS, internal secret); nothing finance-specific."""
