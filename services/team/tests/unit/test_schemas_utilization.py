"""The utilization report's window, without I/O."""

from __future__ import annotations

from servelo_dev.testing.validation import field_errors
from team.schemas.utilization import UtilizationQuery


def test_report_window_needs_from_and_to_in_order() -> None:
    assert field_errors(UtilizationQuery, {}) == {
        "from": ["The from field is required."],
        "to": ["The to field is required."],
    }
    assert field_errors(UtilizationQuery, {"from": "2026-01-02", "to": "2026-01-01"}) == {
        "to": ["The to date must be a date after or equal to from."]
    }
    assert "to" in field_errors(UtilizationQuery, {"from": "2000-01-01", "to": "2030-01-01"})
