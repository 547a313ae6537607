"""HTTP routes, one module per resource: who may call, parse, one service call, answer.

Every route of this service is for the org's admins. `ROUTES` is the whole webhooks API.
"""

from __future__ import annotations

from servelo_common.http import require_role
from servelo_common.identity import Identity
from starlette.requests import Request

# Webhooks and the feed expose every event of the org: admins only (403 otherwise).
ADMIN = ("admin",)


def admin(request: Request) -> Identity:
    """The caller, if an admin (`ADMIN`)."""
    return require_role(request, *ADMIN)


# The resources' modules use the names above, so they are imported after them.
from webhooks.routes import deliveries, endpoints, feed  # noqa: E402

ROUTES = [*endpoints.ROUTES, *deliveries.ROUTES, *feed.ROUTES]
