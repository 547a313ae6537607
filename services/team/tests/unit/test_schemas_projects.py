"""Project bodies: a project's period, without I/O."""

from __future__ import annotations

from servelo_dev.testing.validation import field_errors
from team.schemas.projects import ProjectCreate


def test_project_end_before_start() -> None:
    assert field_errors(
        ProjectCreate, {"name": "P", "start_date": "2026-02-01", "end_date": "2026-01-31"}
    ) == {"end_date": ["The end date must be a date after or equal to start date."]}
