"""Org settings: defaults filled in, `null` resets a key, the tax rate kept as a string."""

from __future__ import annotations

from decimal import Decimal

from auth.domain.settings import DEFAULTS, OrgSettings


def test_every_known_key_has_its_default() -> None:
    assert OrgSettings({}).values() == DEFAULTS
    assert OrgSettings({"currency": "EUR"}).values()["currency"] == "EUR"


def test_merge_keeps_the_others_and_null_resets() -> None:
    current = OrgSettings({"currency": "EUR", "company_name": "Acme"})
    merged = current.merge({"company_name": None, "default_tax_rate": Decimal("8.5")})
    assert merged.stored == {"currency": "EUR", "default_tax_rate": "8.50"}
    assert merged.values()["company_name"] is None
    assert current.stored == {"currency": "EUR", "company_name": "Acme"}
