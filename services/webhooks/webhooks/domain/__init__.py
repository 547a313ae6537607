"""Webhooks and the feed with no I/O: one module per resource, the same names in every layer.

What the resources share lives here: the row shape the objects are built from.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, Self


class Row(Protocol):
    """What `from_row` reads: an asyncpg record, or a dict in tests."""

    def __getitem__(self, key: str, /) -> Any: ...


class FromRow:
    """A frozen dataclass whose fields are named as the columns of its row."""

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Any]]

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})
