"""An org's settings: the known keys with their defaults, and how an update merges."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from servelo_common.jsonutil import money_str

DEFAULTS: dict[str, Any] = {
    "company_name": None,
    "company_email": None,
    "company_phone": None,
    "company_address": None,
    "company_website": None,
    "logo_url": None,
    "timezone": "UTC",
    "currency": "USD",
    "default_tax_rate": "0.00",
    "date_format": "YYYY-MM-DD",
    "quote_validity_days": 30,
}


@dataclass(frozen=True, slots=True)
class OrgSettings:
    """What is stored: only the keys set (a key at its default is absent)."""

    stored: Mapping[str, Any]

    def values(self) -> dict[str, Any]:
        """Every known key, the defaults filled in: what clients and events see."""
        return {**DEFAULTS, **self.stored}

    def merge(self, changes: Mapping[str, Any]) -> OrgSettings:
        """The settings with `changes` applied: `null` resets a key to its default; the
        tax rate is kept as a two-place string."""
        normalized = {k: money_str(v) if isinstance(v, Decimal) else v for k, v in changes.items()}
        merged = {k: v for k, v in {**self.stored, **normalized}.items() if v is not None}
        return OrgSettings(merged)
