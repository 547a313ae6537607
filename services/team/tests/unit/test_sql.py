"""The WHERE builder puts only the given filters into the query, values as parameters."""

from __future__ import annotations

from team.sql import Where


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
