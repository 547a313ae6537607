"""servelo_cli.output: ages at a glance, errors for people and for scripts."""

from __future__ import annotations

import json

import pytest
from servelo_cli.output import CliError, Exit, Out, age


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, "-"), (0.4, "0s"), (59, "59s"), (65, "1m05s"), (7260, "2h01m"), (90000, "1d01h")],
)
def test_age(seconds: float | None, shown: str) -> None:
    assert age(seconds) == shown


def test_json_errors_are_one_document_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    Out(json=True).error(
        CliError(
            "Validation failed",
            code="validation_failed",
            exit=Exit.USAGE,
            details={"errors": {"slug": ["bad"]}},
        )
    )
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {
        "error": "Validation failed",
        "code": "validation_failed",
        "errors": {"slug": ["bad"]},
    }
    assert captured.err == ""


def test_human_errors_go_to_stderr_with_their_fields(capsys: pytest.CaptureFixture[str]) -> None:
    Out(json=False).error(
        CliError(
            "Validation failed", code="validation_failed", details={"errors": {"slug": ["bad"]}}
        )
    )
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "servelo: Validation failed\n  slug: bad\n"
