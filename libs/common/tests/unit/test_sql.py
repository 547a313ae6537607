"""The WHERE builder puts only the given filters into the query, values as parameters."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass
from datetime import UTC, datetime

import pytest
from servelo_common.sql import FromRow, Where


def test_only_given_filters_become_conditions() -> None:
    where = Where().add("org_id = {}", "o").when(None, "active = {}").when(True, "x = {}")
    where.add("(name, id) > ({}, {})", "n", 7)
    assert where.sql == " WHERE org_id = $1 AND x = $2 AND (name, id) > ($3, $4)"
    assert where.param(101) == "$5"
    assert where.params == ["o", True, "n", 7, 101]


def test_false_is_a_filter_not_an_absent_one() -> None:
    where = Where().when(False, "active = {}")
    assert where.sql == " WHERE active = $1" and where.params == [False]


def test_no_conditions_no_where() -> None:
    assert Where().sql == ""


def test_keyset_follows_the_direction_and_skips_the_first_page() -> None:
    where = Where().add("org_id = {}", "o").keyset("(created_at, id)", "<", None)
    assert where.sql == " WHERE org_id = $1"
    where.keyset("(created_at, id)", "<", ["t", "i"])
    assert where.sql == " WHERE org_id = $1 AND (created_at, id) < ($2, $3)"
    with pytest.raises(ValueError, match="direction"):
        where.keyset("(id)", "<=", [1])


def test_assign_numbers_after_the_conditions_and_whitelists_columns() -> None:
    where = Where("org", "row")  # $1, $2 already in the caller's SQL
    sets = where.assign({"name": "n", "active": False}, frozenset({"name", "active"}))
    assert sets == "active = $3, name = $4"
    assert where.params == ["org", "row", False, "n"]
    with pytest.raises(ValueError, match="not updatable"):
        where.assign({"org_id": "x"}, frozenset({"name"}))


def test_a_page_is_ordered_by_its_key_and_starts_after_the_cursor() -> None:
    where = Where().add("org_id = {}", "o")
    sql = where.page(
        "SELECT * FROM t", order=("created_at", "id"), descending=True, limit=3, after=["c", "i"]
    )
    assert sql == (
        "SELECT * FROM t WHERE org_id = $1 AND (created_at, id) < ($2, $3)"
        " ORDER BY created_at DESC, id DESC LIMIT $4"
    )
    assert where.params == ["o", "c", "i", 3]
    first = Where().page("SELECT x FROM t", order=("name", "id"), limit=5, after=None)
    assert first == "SELECT x FROM t ORDER BY name, id LIMIT $1"


SINCE = datetime(2026, 1, 2, tzinfo=UTC)


def test_a_page_since_an_instant_is_in_updated_at_id_order() -> None:
    where = Where().add("org_id = {}", "o")
    sql = where.page(
        "SELECT * FROM t",
        order=("name", "id"),
        descending=True,
        limit=3,
        after=["when", "id"],
        since=SINCE,
    )
    assert sql == (
        "SELECT * FROM t WHERE org_id = $1 AND updated_at >= $2"
        " AND (updated_at, id) > ($3, $4) ORDER BY updated_at, id LIMIT $5"
    )
    assert where.params == ["o", SINCE, "when", "id", 3]
    joined = Where().page(
        "SELECT * FROM m",
        order=("m.name",),
        limit=1,
        after=None,
        since=SINCE,
        sync_order=("m.updated_at", "m.id"),
    )
    assert joined == "SELECT * FROM m WHERE m.updated_at >= $1 ORDER BY m.updated_at, m.id LIMIT $2"


def test_from_row_reads_the_fields_by_column_name() -> None:
    @dataclass(frozen=True, slots=True)
    class Thing(FromRow):
        id: int
        name: str

    assert Thing.from_row({"id": 7, "name": "a", "other": "ignored"}) == Thing(id=7, name="a")


def test_from_row_converts_the_columns_named_in_converters_only() -> None:
    @dataclass(frozen=True, slots=True)
    class Thing(FromRow):
        converters = {"tags": lambda stored: tuple(stored or ()), "size": int}
        tags: tuple[str, ...]
        size: int
        note: str | None

    assert Thing.from_row({"tags": ["a", "b"], "size": "3", "note": None}) == Thing(
        tags=("a", "b"), size=3, note=None
    )
    assert Thing.from_row({"tags": None, "size": 0, "note": "x"}).tags == ()
    assert "converters" not in Thing.__dataclass_fields__  # a ClassVar, never a field


def test_an_object_read_from_a_row_is_still_frozen_and_whole() -> None:
    """Slots set through their descriptors, not `__init__`: the same object all the same."""

    @dataclass(frozen=True, slots=True)
    class Thing(FromRow):
        id: int
        name: str

    thing = Thing.from_row({"id": 7, "name": "a"})
    assert (thing.id, thing.name, hash(thing)) == (7, "a", hash(Thing(id=7, name="a")))
    with pytest.raises(FrozenInstanceError):
        thing.name = "b"  # type: ignore[misc]
    with pytest.raises(KeyError):
        Thing.from_row({"id": 7})  # a column missing is an error, not a half-made object


def test_a_class_with_post_init_or_without_slots_is_made_by_its_init() -> None:
    made: list[int] = []

    @dataclass(frozen=True, slots=True)
    class Checked(FromRow):
        id: int

        def __post_init__(self) -> None:
            made.append(self.id)

    @dataclass(frozen=True)
    class Plain(FromRow):
        id: int

    assert Checked.from_row({"id": 1}).id == 1 and made == [1]
    assert Plain.from_row({"id": 2}) == Plain(id=2)
