"""Per-org settings: known keys only, validated, merged on update (`settings-updated`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from servelo_common.db import Pool, tenant_tx
from servelo_common.events import emit
from servelo_common.jsonutil import money_str
from servelo_common.schemas import ApiInput

from auth import events
from auth import repository as repo

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
DATE_FORMATS = r"^(YYYY-MM-DD|DD/MM/YYYY|MM/DD/YYYY)$"
Short = Annotated[str, Field(max_length=200)]


class SettingsUpdate(ApiInput):
    company_name: Short | None = None
    company_email: Short | None = None
    company_phone: Annotated[str, Field(max_length=50)] | None = None
    company_address: Annotated[str, Field(max_length=1000)] | None = None
    company_website: Short | None = None
    logo_url: Annotated[str, Field(max_length=2000)] | None = None
    timezone: Short | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Za-z]{3}$")] | None = None
    default_tax_rate: (
        Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)] | None
    ) = None
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


def view(stored: dict[str, Any] | None) -> dict[str, Any]:
    return {**DEFAULTS, **(stored or {})}


async def get(pool: Pool, org_id: UUID) -> dict[str, Any]:
    async with tenant_tx(pool, org_id) as conn:
        stored = await conn.fetchval("SELECT settings FROM orgs WHERE id = $1", org_id)
    return view(stored)


async def update(
    pool: Pool, org_id: UUID, data: SettingsUpdate, actor_id: UUID | None
) -> dict[str, Any]:
    changes = data.provided()
    if "default_tax_rate" in changes and changes["default_tax_rate"] is not None:
        changes["default_tax_rate"] = money_str(changes["default_tax_rate"])
    async with tenant_tx(pool, org_id) as conn:
        stored = (
            await conn.fetchval("SELECT settings FROM orgs WHERE id = $1 FOR UPDATE", org_id) or {}
        )
        # null resets a key to its default.
        merged = {k: v for k, v in {**stored, **changes}.items() if v is not None}
        await conn.execute(
            "UPDATE orgs SET settings = $2, updated_at = now() WHERE id = $1", org_id, merged
        )
        result = view(merged)
        await emit(
            conn,
            events.SettingsUpdated(org_id=str(org_id), settings=result),
            tenant=org_id,
            subject=org_id,
        )
        await repo.insert_audit(
            conn,
            org_id=org_id,
            action="settings_updated",
            actor_id=actor_id,
            details={"fields": sorted(changes)},
        )
    return result
