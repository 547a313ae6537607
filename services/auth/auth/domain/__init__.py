"""Auth's rules with no I/O: one module per resource, the same names as in every layer.

What the resources share lives here: where a request came from. Domain objects are built
from rows with `X.from_row(row)` (`servelo_common.sql.Row`: a record, or a dict in tests).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Client:
    """Where a request came from, for sessions, the sign-in limits and the audit trail."""

    ip: str | None
    user_agent: str | None
