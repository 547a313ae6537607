"""What the resources' schemas share: the date filters of the dated lists, without I/O."""

from __future__ import annotations

from servelo_dev.testing.validation import field_errors
from team.schemas.actuals import ActualQuery
from team.schemas.allocations import AllocationQuery


def test_dated_list_filters_need_to_after_from() -> None:
    for model in (AllocationQuery, ActualQuery):
        assert "to" in field_errors(model, {"from": "2026-01-02", "to": "2026-01-01"})
