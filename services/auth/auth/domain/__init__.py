"""Auth's rules with no I/O: one module per resource, the same names as in every layer.

What the resources share lives here: the row shape domain objects are built from, and where
a request came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class Row(Protocol):
    """What `from_row` reads: an asyncpg record, or a dict in tests."""

    def __getitem__(self, key: str, /) -> Any: ...

    def get(self, key: str, default: Any = None, /) -> Any: ...


@dataclass(frozen=True, slots=True)
class Client:
    """Where a request came from, for sessions, the sign-in limits and the audit trail."""

    ip: str | None
    user_agent: str | None
