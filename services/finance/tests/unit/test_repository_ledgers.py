"""SQL identifiers of the ledgers come from whitelists, never from a request."""

from __future__ import annotations

import pytest
from finance.repository.ledgers import COLUMNS, FILTERS, _columns


def test_only_known_columns_reach_generated_sql() -> None:
    assert _columns("revenue", ["amount", "quote_id"]) == ["amount", "quote_id"]
    with pytest.raises(ValueError, match="writable"):
        _columns("expenses", ["customer_id"])
    with pytest.raises(ValueError, match="writable"):
        _columns("revenue", ["amount; DROP TABLE revenue"])


def test_filters_are_columns_of_their_table() -> None:
    for table, names in FILTERS.items():
        assert names <= COLUMNS[table]
