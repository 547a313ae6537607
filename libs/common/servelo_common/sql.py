"""Building SQL from the filters a request actually has, with values always bound.

    where = Where().add("org_id = {}", org_id).when(status, "status = {}")
    where.keyset("(created_at, id)", "<", cursor)
    rows = await conn.fetch(
        f"SELECT * FROM tickets{where.sql} ORDER BY created_at DESC, id DESC"
        f" LIMIT {where.param(limit)}",
        *where.params,
    )

Only the conditions present are added, so each query is one the planner can turn into an
index range scan (a `$n IS NULL OR ...` catch-all can defeat that with generic plans). SQL
text comes from code (constants and whitelisted column names); every value is a `$n`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from types import MemberDescriptorType
from typing import Any, ClassVar, Protocol, Self, cast

SYNC_ORDER = ("updated_at", "id")
"""The order of an `updated_since` page (`Where.page`, `pagination.sync_key`)."""


class Row(Protocol):
    """What a domain object's `from_row` reads: an asyncpg Record, or a plain dict in tests."""

    def __getitem__(self, key: str, /) -> Any: ...


class FromRow:
    """A frozen dataclass whose fields are named as the columns of its row.

    `converters` turns a column's stored form into the field's where they differ (a status
    text into its enum, a JSON column into value objects), e.g. `converters = {"status":
    QuoteStatus}`; every other column is taken as it is.
    """

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Any]]
    converters: ClassVar[Mapping[str, Callable[[Any], Any]]] = {}

    @classmethod
    def from_row(cls, row: Row) -> Self:
        try:
            make = _READERS[cls]
        except KeyError:
            make = _READERS[cls] = _reader(cls)
        return cast(Self, make(row))


# Per class: a function written out column by column, as a dataclass's own `__init__` is;
# a page of 50 tickets reads 650 columns.
_READERS: dict[type, Callable[[Row], Any]] = {}


def _reader(cls: type[FromRow]) -> Callable[[Row], Any]:
    """For a slotted dataclass without `__post_init__` (every domain object): each slot set
    through its descriptor on a new instance, which is what the frozen `__init__` does by
    `object.__setattr__`, name by name (2.8 against 1.1 µs a ticket). Any other class:
    `cls(name=row["name"], ...)`."""
    fields = cls.__dataclass_fields__
    slotted = all(isinstance(cls.__dict__.get(name), MemberDescriptorType) for name in fields)
    direct = slotted and not hasattr(cls, "__post_init__")
    direct = direct and all(f.init for f in fields.values())
    names: dict[str, Any] = {"cls": cls, "new": object.__new__}
    values = []
    for n, name in enumerate(fields):
        value = f"row[{name!r}]"
        if name in cls.converters:
            names[f"convert{n}"] = cls.converters[name]
            value = f"convert{n}({value})"
        values.append(value)
    if direct:
        lines = ["def from_row(row):", "    obj = new(cls)"]
        for n, (name, value) in enumerate(zip(fields, values, strict=True)):
            names[f"set{n}"] = cls.__dict__[name].__set__
            lines.append(f"    set{n}(obj, {value})")
        lines.append("    return obj")
    else:
        args = ", ".join(f"{name}={value}" for name, value in zip(fields, values, strict=True))
        lines = ["def from_row(row):", f"    return cls({args})"]
    exec("\n".join(lines), names)  # noqa: S102  # the text is made of the dataclass's field names only
    reader: Callable[[Row], Any] = names["from_row"]
    return reader


class Where:
    def __init__(self, *params: Any) -> None:
        """`params`: values already numbered `$1...` by the caller's SQL."""
        self.clauses: list[str] = []
        self.params: list[Any] = list(params)

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

    def keyset(self, columns: str, op: str, cursor: Sequence[Any] | None) -> Where:
        """Rows strictly after the previous page's last row: `("(created_at, id)", "<", c)`
        for a newest-first list, `">"` for an ascending one."""
        if cursor is None:
            return self
        if op not in ("<", ">"):
            raise ValueError(f"keyset direction must be < or >, not {op!r}")
        marks = ", ".join("{}" for _ in cursor)
        return self.add(f"{columns} {op} ({marks})", *cursor)

    def page(
        self,
        select: str,
        *,
        order: Sequence[str],
        descending: bool = False,
        limit: int,
        after: Sequence[Any] | None,
        since: datetime | None = None,
        sync_order: Sequence[str] = SYNC_ORDER,
    ) -> str:
        """`select` with these conditions as one keyset page: ordered by the unique key
        `order` (columns from code), from just after `after` (the previous page's last key,
        None for the first page), at most `limit` rows. Run it with `*self.params`.

        `since` (a list's `updated_since`): rows with `updated_at` at or after it, in
        `(updated_at, id)` order instead, `after` being that key (`pagination.sync_key`);
        `sync_order` names those two columns where a join needs them qualified."""
        if since is not None:
            self.add(f"{sync_order[0]} >= {{}}", since)
            order, descending = sync_order, False
        key = ", ".join(order)
        self.keyset(f"({key})", "<" if descending else ">", after)
        direction = " DESC" if descending else ""
        by = ", ".join(f"{column}{direction}" for column in order)
        return f"{select}{self.sql} ORDER BY {by} LIMIT {self.param(limit)}"

    def assign(self, values: Mapping[str, Any], allowed: frozenset[str]) -> str:
        """`a = $3, b = $4` for an UPDATE's SET, numbered after the params so far; column
        names come from `allowed` only."""
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        return ", ".join(f"{name} = {self.param(values[name])}" for name in sorted(values))

    @property
    def sql(self) -> str:
        return " WHERE " + " AND ".join(self.clauses) if self.clauses else ""
