from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError, field_validator
from servelo_common.errors import NotFound, found, validation_errors
from servelo_common.schemas import ApiInput, Money


class MemberCreate(ApiInput):
    name: str
    hourly_rate: Money
    current_password: str | None = None

    @field_validator("hourly_rate")
    @classmethod
    def _positive(cls, value: Decimal) -> Decimal:
        if value <= 0:
            raise ValueError("Hourly rate must be greater than 0")
        return value


def errors_for(data: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        MemberCreate.model_validate(data)
    return validation_errors(info.value)


def test_missing_field_reads_like_the_reference() -> None:
    assert errors_for({"hourly_rate": "1.00"}) == {"name": ["The name field is required."]}


def test_validator_message_is_shown_verbatim() -> None:
    assert errors_for({"name": "A", "hourly_rate": "0"}) == {
        "hourly_rate": ["Hourly rate must be greater than 0"]
    }


def test_camel_case_names_are_accepted() -> None:
    model = MemberCreate.model_validate({"name": "A", "hourlyRate": "1.5", "currentPassword": "x"})
    assert model.current_password == "x"
    assert model.model_dump(mode="json")["hourly_rate"] == "1.50"


def test_money_keeps_decimal_precision_from_json_numbers() -> None:
    model = MemberCreate.model_validate({"name": "A", "hourly_rate": 0.1})
    assert model.hourly_rate == Decimal("0.1")


def test_money_refuses_fractions_of_cents() -> None:
    assert "hourly_rate" in errors_for({"name": "A", "hourly_rate": "1.005"})


def test_found_passes_a_value_through_and_turns_none_into_404() -> None:
    assert found(0, "Thing not found") == 0
    with pytest.raises(NotFound) as info:
        found(None, "Thing not found")
    assert info.value.status == 404 and info.value.message == "Thing not found"
