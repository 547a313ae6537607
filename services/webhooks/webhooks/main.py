"""The webhooks service: signed webhook deliveries and the per-tenant event feed."""

from __future__ import annotations

from servelo_common.app import ServiceSpec, ServiceState, create_service_app
from servelo_common.migrate import package_migrations
from starlette.applications import Starlette

from webhooks.addresses import AddressPolicy
from webhooks.config import Settings
from webhooks.context import Webhooks
from webhooks.crypto import SecretBox, derived_key, parse_keys
from webhooks.dispatcher import Dispatcher
from webhooks.handlers import SUBSCRIPTIONS
from webhooks.janitor import Janitor
from webhooks.resolver import AddressGuard, Resolver
from webhooks.routes import ROUTES
from webhooks.sender import Sender
from webhooks.waiters import FeedWaiters


def build_context(settings: Settings, state: ServiceState) -> Webhooks:
    keys = settings.webhooks_secret_keys
    box = SecretBox(parse_keys(keys.get_secret_value()) if keys else [derived_key(settings.secret)])
    policy = AddressPolicy.for_env(settings.env, settings.allowed_networks)
    return Webhooks(
        pool=state.db,
        settings=settings,
        box=box,
        guard=AddressGuard(policy, Resolver(settings.webhooks_dns_server)),
        waiters=FeedWaiters(
            state.db,
            max_total=settings.events_max_waiters,
            max_per_org=settings.events_max_waiters_per_org,
        ),
    )


def create_app() -> Starlette:
    settings = Settings()  # type: ignore[call-arg]  # values come from the environment

    async def start(state: ServiceState) -> None:
        ctx = build_context(settings, state)
        sender = Sender(
            ctx.guard, timeout=settings.webhooks_timeout, connections=settings.webhooks_concurrency
        )
        # Supervised (servelo_common.worker): /readyz watches them, shutdown stops them.
        for worker in (ctx.waiters, Dispatcher(ctx, sender), Janitor(ctx)):
            state.start_worker(worker)
        state.extras.update(webhooks=ctx)

    return create_service_app(
        ServiceSpec(
            name="webhooks",
            routes=ROUTES,
            migrations=package_migrations(__file__),
            subscriptions=SUBSCRIPTIONS,
            on_startup=[start],
        ),
        settings,
    )
