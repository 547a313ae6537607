"""What clients are told about invalid input, for unit tests of a service's schemas."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel
from servelo_common.errors import RequestValidationError
from servelo_common.http import validate


def field_errors(model: type[BaseModel], data: Any) -> dict[str, list[str]]:
    """The `errors` of the answer to `data` as a body or query of `model`, which must
    refuse it (the test fails otherwise)."""
    with pytest.raises(RequestValidationError) as caught:
        validate(model, data)
    return caught.value.errors or {}
