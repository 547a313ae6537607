"""An org's settings: the known keys, validated (unknown keys are ignored)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, BeforeValidator, Field, field_validator
from servelo_common.schemas import ApiInput, DecimalJson
from servelo_common.values import no_float

# The IANA names, but for the `Etc/GMT+5`-style ones (accepted all the same): with their
# signs they read the same as each other to client generators that turn enums into names.
TIMEZONES = sorted(z for z in available_timezones() if not re.search(r"GMT[+-]", z))
DATE_FORMATS = r"^(YYYY-MM-DD|DD/MM/YYYY|MM/DD/YYYY)$"
Short = Annotated[str, Field(max_length=200)]
# A percentage kept with two places (quotes take four: `servelo_common.schemas.Percent`).
TaxRate = Annotated[
    Decimal,
    BeforeValidator(no_float),
    Field(ge=0, le=100, max_digits=5, decimal_places=2),
    DecimalJson(places=2, integer_digits=3),
]


class SettingsUpdate(ApiInput):
    company_name: Short | None = None
    company_email: Short | None = None
    company_phone: Annotated[str, Field(max_length=50)] | None = None
    company_address: Annotated[str, Field(max_length=1000)] | None = None
    company_website: Short | None = None
    logo_url: Annotated[str, Field(max_length=2000)] | None = None
    # The names the validator accepts, listed so the document says it too.
    timezone: Annotated[str, Field(json_schema_extra={"enum": TIMEZONES})] | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Za-z]{3}$")] | None = None
    default_tax_rate: TaxRate | None = None
    date_format: Annotated[str, Field(pattern=DATE_FORMATS)] | None = None
    quote_validity_days: Annotated[int, Field(ge=1, le=365)] | None = None

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("The timezone must be an IANA name like Europe/Paris.") from exc
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        return value.upper() if value else value


class SettingsPublic(BaseModel):
    """Every setting of the org, defaults filled in."""

    company_name: str | None
    company_email: str | None
    company_phone: str | None
    company_address: str | None
    company_website: str | None
    logo_url: str | None
    timezone: str
    currency: str
    default_tax_rate: Annotated[str, Field(pattern=r"^\d{1,3}\.\d{2}$")]
    date_format: str
    quote_validity_days: int
