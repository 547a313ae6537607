"""Org settings bodies: known keys only, validated."""

from __future__ import annotations

from decimal import Decimal

import pytest
from auth.schemas.settings import SettingsUpdate
from pydantic import ValidationError


def test_known_keys_are_validated_and_unknown_ones_ignored() -> None:
    data = SettingsUpdate.model_validate(
        {"companyName": "Acme", "currency": "eur", "default_tax_rate": "8.25", "colour": "red"}
    )
    assert data.provided() == {
        "company_name": "Acme",
        "currency": "EUR",
        "default_tax_rate": Decimal("8.25"),
    }


@pytest.mark.parametrize(
    "body",
    [
        {"timezone": "Mars/Base"},
        {"default_tax_rate": "150"},
        {"currency": "EURO"},
        {"date_format": "DD.MM.YYYY"},
        {"quote_validity_days": 0},
    ],
)
def test_bad_values_are_refused(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SettingsUpdate.model_validate(body)


def test_null_is_sent_to_reset_a_key() -> None:
    assert SettingsUpdate.model_validate({"timezone": None}).provided() == {"timezone": None}
