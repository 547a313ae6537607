"""A WHERE clause built from the filters a list request actually has.

Keyset lists add only the conditions present, so each query is one the planner can turn into
an index range scan (a `$n IS NULL OR ...` catch-all can defeat that with generic plans).
"""

from __future__ import annotations

from typing import Any


class Where:
    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def param(self, value: Any) -> str:
        """A placeholder for `value`, e.g. for the LIMIT."""
        self.params.append(value)
        return f"${len(self.params)}"

    def add(self, clause: str, *values: Any) -> Where:
        """`clause` with one `{}` per value, e.g. `add("(name, id) > ({}, {})", n, i)`."""
        self.clauses.append(clause.format(*(self.param(v) for v in values)))
        return self

    def when(self, value: Any, clause: str) -> Where:
        """Add `clause` (one `{}`) only when the filter was given."""
        return self.add(clause, value) if value is not None else self

    @property
    def sql(self) -> str:
        return " WHERE " + " AND ".join(self.clauses) if self.clauses else ""
