"""The schema test helper reports the field errors a client would get, and insists on them."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field
from servelo_dev.testing.validation import field_errors


class _Body(BaseModel):
    name: str = Field(min_length=2)


def test_field_errors_are_the_answers_errors() -> None:
    assert field_errors(_Body, {"name": "x"}) == {
        "name": ["The name field is invalid: string should have at least 2 characters"]
    }
    assert field_errors(_Body, ["not", "an", "object"]) == {
        "body": ["The request body must be a JSON object."]
    }


def test_valid_data_fails_the_test() -> None:
    with pytest.raises(pytest.fail.Exception):
        field_errors(_Body, {"name": "ok"})
