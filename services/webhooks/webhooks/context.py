"""What the webhooks use cases share for the app's lifetime, built by the startup hook."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from servelo_common.db import Pool
from starlette.requests import Request

from webhooks.config import Settings
from webhooks.crypto import SecretBox
from webhooks.domain.deliveries import RetryPolicy
from webhooks.resolver import AddressGuard
from webhooks.waiters import FeedWaiters

# A rotated secret keeps signing next to the new one this long.
ROTATION_OVERLAP = timedelta(hours=24)


@dataclass
class Webhooks:
    pool: Pool
    settings: Settings
    box: SecretBox
    guard: AddressGuard
    waiters: FeedWaiters

    @property
    def retry(self) -> RetryPolicy:
        s = self.settings
        return RetryPolicy(
            base=s.webhooks_retry_base,
            cap=s.webhooks_retry_max,
            window=timedelta(seconds=s.webhooks_retry_window),
        )


def webhooks(request: Request) -> Webhooks:
    ctx: Webhooks = request.state.service.extras["webhooks"]
    return ctx
