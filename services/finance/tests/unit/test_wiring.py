"""Pure wiring: SQL identifiers come from whitelists; every consumed event has a handler."""

from __future__ import annotations

import pytest
from finance.handlers import SUBSCRIPTIONS
from finance.repository import COLUMNS, FILTERS, _columns
from servelo_common.events import subject_for


def test_only_known_columns_reach_generated_sql() -> None:
    assert _columns("revenue", ["amount", "quote_id"]) == ["amount", "quote_id"]
    with pytest.raises(ValueError, match="writable"):
        _columns("expenses", ["customer_id"])
    with pytest.raises(ValueError, match="writable"):
        _columns("revenue", ["amount; DROP TABLE revenue"])


def test_filters_are_columns_of_their_table() -> None:
    for table, names in FILTERS.items():
        assert names <= COLUMNS[table]


def test_one_consumer_takes_every_event_finance_reacts_to() -> None:
    assert len(SUBSCRIPTIONS) == 1
    assert set(SUBSCRIPTIONS[0].events) == {
        subject_for("crm", t)
        for t in ("customer-created", "customer-updated", "customer-deleted", "quote-accepted")
    } | {subject_for("auth", "settings-updated"), subject_for("auth", "org-deleted")}
