"""What crm keeps from auth's settings-updated event."""

from decimal import Decimal

from crm.handlers import settings_values


def test_nested_settings_are_read() -> None:
    data = {
        "org_id": "x",
        "settings": {
            "default_tax_rate": "8.25",
            "currency": "USD",
            "company_name": "Fixit",
            "timezone": "UTC",
        },
    }
    assert settings_values(data) == {
        "default_tax_rate": Decimal("8.2500"),
        "currency": "USD",
        "company_name": "Fixit",
    }


def test_top_level_settings_are_read() -> None:
    assert settings_values({"default_tax_rate": 7}) == {"default_tax_rate": Decimal("7.0000")}


def test_absent_keys_are_left_out_and_empty_ones_cleared() -> None:
    assert settings_values({"currency": ""}) == {"currency": None}
    assert settings_values({"default_tax_rate": None}) == {"default_tax_rate": None}
    assert settings_values({}) == {}


def test_unusable_tax_rates_are_ignored() -> None:
    for bad in ("abc", "-1", "101", "NaN", "Infinity"):
        assert settings_values({"default_tax_rate": bad}) == {}, bad
