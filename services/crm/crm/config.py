"""crm's settings: only the shared ones (database, NATS, mail) so far."""

from __future__ import annotations

from servelo_common.config import ServiceSettings


class Settings(ServiceSettings):
    """`SERVELO_*` variables; see services/crm/README.md."""
