"""Use cases, one module per resource. Each owns one transaction (`tenant_tx`): the
repository writes and the outbox rows of their events together.

Every function has the same signature: `(ctx | pool, *, ident, <ids>, data | query | page)`;
the tenant is `ident.org_id`. They return domain objects, never rows or response schemas.
"""

from __future__ import annotations

from uuid import UUID

from servelo_common.identity import Identity

WEBHOOK_NOT_FOUND = "Webhook not found"


def org_of(ident: Identity) -> UUID:
    return UUID(ident.org_id)
