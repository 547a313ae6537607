"""Use cases, one module per resource. Each owns one transaction (`tenant_tx`): the
repository writes and the outbox rows of their events together.

Every function has the same signature: `(pool, *, ident, <ids>, data | query | page)`;
the tenant is `ident.org_id`. They return domain objects, never rows or response schemas.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import asyncpg
from servelo_common.errors import RequestValidationError
from servelo_common.identity import Identity
from servelo_common.repository import Lock

from team.domain import check_span
from team.repository import members as members_repo
from team.repository import projects as projects_repo


def org_of(ident: Identity) -> UUID:
    return UUID(ident.org_id)


def today() -> date:
    """Rate changes and the delete guard go by the UTC calendar day."""
    return datetime.now(UTC).date()


def invalid(field: str) -> list[str]:
    """The message of an id in a body that names nothing of this org (Laravel's wording)."""
    return [f"The selected {field.replace('_', ' ')} is invalid."]


def check_period(start: date | None, end: date | None) -> None:
    """422 on `end_date` unless [start, end] is a bounded period (an update's merged dates)."""
    try:
        check_span(start, end)
    except ValueError as exc:
        raise RequestValidationError({"end_date": [str(exc)]}) from exc


async def check_refs(
    conn: asyncpg.Connection, *, org_id: UUID, values: dict[str, Any], member_lock: Lock
) -> None:
    """422 unless the member and project named in `values` are this org's.

    The rows are locked, so neither can be deleted before commit; the member with
    `member_lock` ("UPDATE" serializes the bookings of one member).
    """
    errors: dict[str, list[str]] = {}
    if (
        "team_member_id" in values
        and await members_repo.lock_member(
            conn, org_id=org_id, member_id=values["team_member_id"], mode=member_lock
        )
        is None
    ):
        errors["team_member_id"] = invalid("team_member_id")
    if (
        "project_id" in values
        and await projects_repo.get_project(
            conn, org_id=org_id, project_id=values["project_id"], lock="KEY SHARE"
        )
        is None
    ):
        errors["project_id"] = invalid("project_id")
    if errors:
        raise RequestValidationError(errors)
