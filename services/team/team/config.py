"""The team service's settings: only what every service has (see ServiceSettings)."""

from __future__ import annotations

from servelo_common.config import ServiceSettings


class Settings(ServiceSettings):
    """`SERVELO_*` environment variables; the team service adds none of its own."""
