"""servelo_dev's pytest plugin: what a test run leaves in the checkout."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from hypothesis.configuration import storage_directory


@given(st.integers())
def test_hypothesis_runs(n: int) -> None:
    assert isinstance(n, int)


def test_hypothesis_keeps_its_files_outside_the_checkout() -> None:
    """Its example database and constants cache record this machine's paths: a run keeps
    them in a temporary folder, never in `.hypothesis/` of the working directory."""
    home = storage_directory(intent_to_write=False).home_directory.resolve()
    assert not home.is_relative_to(Path.cwd().resolve()), home
    assert not (Path.cwd() / ".hypothesis").exists()
