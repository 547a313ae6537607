"""The feed's query: `after`, `types`, `wait`."""

from __future__ import annotations

import pytest
from servelo_dev.testing.validation import field_errors
from webhooks.schemas.feed import FeedQuery


def test_defaults_and_a_comma_list_of_types() -> None:
    q = FeedQuery.model_validate({"types": "ticket-created, quote-accepted,"})
    assert (q.after, q.wait) == (0, 0)
    assert q.types == ["ticket-created", "quote-accepted"]
    assert FeedQuery.model_validate({"types": ""}).types is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"after": "-1"}, "after"),
        ({"after": "x"}, "after"),
        ({"wait": "31"}, "wait"),
        ({"wait": "-1"}, "wait"),
        ({"types": "Not A Type"}, "types"),
    ],
)
def test_bad_values_are_field_errors(params: dict[str, str], field: str) -> None:
    assert field in field_errors(FeedQuery, params)
