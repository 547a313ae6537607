"""Role ids in paths, without I/O."""

from __future__ import annotations

from team.domain.roles import parse_int_id


def test_int_ids_from_path_segments() -> None:
    assert parse_int_id("1") == 1
    assert parse_int_id("000042") == 42
    for bad in ("0", "-1", "1.5", "abc", "", "\u0661", "9" * 19):
        assert parse_int_id(bad) is None, bad
