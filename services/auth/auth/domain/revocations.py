"""Revocations: the gateway refuses every access token of a scope issued before an instant."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID

from servelo_common.sql import FromRow

# The gateway keeps this much of them (an access token lives 15 minutes).
RECENT_WINDOW = 20 * 60


class Scope(StrEnum):
    USER = "user"  # every token of a user
    SESSION = "session"  # every token of one refresh-token family (the `sid` claim)
    ORG = "org"  # every token of the org


@dataclass(frozen=True, slots=True)
class Revocation(FromRow):
    converters = {"scope": Scope}
    scope: Scope
    subject_id: UUID
    revoked_at: datetime


def revocation_time() -> tuple[float, datetime]:
    """Now, floored to the millisecond like token `iat`: a token issued after this instant
    is never refused for it (and one issued before is)."""
    now = math.floor(time.time() * 1000) / 1000
    return now, datetime.fromtimestamp(now, UTC)
