"""Job roles: integer ids numbered per org (1, 2, 3, ...), names unique in the org."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from servelo_common.sql import FromRow

# Role ids are bigints; a longer string cannot name a row.
_MAX_ID_DIGITS = 18


@dataclass(frozen=True, slots=True)
class Role(FromRow):
    id: int
    name: str
    updated_at: datetime | None = None  # None as a member embeds it


def parse_int_id(raw: str) -> int | None:
    """A positive integer id from a path segment; None when it cannot name a row."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > _MAX_ID_DIGITS:
        return None
    value = int(raw)
    return value if value > 0 else None
