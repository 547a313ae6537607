"""Consumers of auth's events: org settings (default tax rate, currency) and org deletion.

Both are on one durable consumer so they are handled in stream order: a purge is not
followed by a stale settings event recreating the org's row.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from typing import Any

import asyncpg
from servelo_common.consumer import Subscription
from servelo_common.events import CloudEvent, subject_for

from crm.repository import orgs as repo

log = logging.getLogger("crm.handlers")

SETTINGS_UPDATED = subject_for("auth", "settings-updated")
ORG_DELETED = subject_for("auth", "org-deleted")


_INVALID = object()


def _tax_rate(raw: Any) -> Any:
    """A percentage 0-100 as Decimal, None to clear, or _INVALID (logged, then ignored)."""
    if raw in (None, ""):
        return None
    try:
        rate = Decimal(str(raw))
    except InvalidOperation:
        rate = Decimal("NaN")
    if not rate.is_finite() or not 0 <= rate <= 100:
        log.warning("ignoring an unusable default_tax_rate", extra={"value": repr(raw)[:50]})
        return _INVALID
    return rate.quantize(Decimal("0.0001"))


def settings_values(data: dict[str, Any]) -> dict[str, Any]:
    """The settings crm keeps, from the event's data; unusable values are left out.

    Accepts the settings at the top level of `data` or nested under `data["settings"]`.
    """
    if isinstance(data.get("settings"), dict):
        data = data["settings"]
    values: dict[str, Any] = {}
    if "default_tax_rate" in data:
        rate = _tax_rate(data["default_tax_rate"])
        if rate is not _INVALID:
            values["default_tax_rate"] = rate
    for key in ("currency", "company_name"):
        if key in data:
            value = data[key]
            values[key] = str(value)[:200] if value not in (None, "") else None
    return values


async def handle_auth_event(conn: asyncpg.Connection, event: CloudEvent) -> None:
    org_id = event.tenant_id
    if event.type == "settings-updated":
        await repo.upsert_org_settings(
            conn,
            org_id=org_id,
            values=settings_values(event.data),
            event_time=event.occurred_at,
        )
    elif event.type == "org-deleted":
        counts = await repo.purge_org(conn, org_id=org_id)
        log.info("org purged", extra={"org_id": str(org_id), "rows": counts})


SUBSCRIPTIONS = [
    Subscription(
        name="auth-orgs", events=[SETTINGS_UPDATED, ORG_DELETED], handler=handle_auth_event
    ),
]
