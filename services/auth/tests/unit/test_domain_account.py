"""The caller's own account with no I/O: preferences merge as JSON."""

from __future__ import annotations

from auth.domain.account import deep_merge


def test_deep_merge_merges_objects_and_null_removes() -> None:
    base = {"a": {"x": 1, "y": 2}, "b": 1, "c": [1]}
    assert deep_merge(base, {"a": {"y": 3, "z": 4}, "b": None, "c": [2]}) == {
        "a": {"x": 1, "y": 3, "z": 4},
        "c": [2],
    }
    assert base == {"a": {"x": 1, "y": 2}, "b": 1, "c": [1]}
