"""Fresh tenants per test, created through the system admin API like a real operator."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from servelo_dev.testing.client import ApiClient

T = TypeVar("T")


async def eventually(
    check: Callable[[], Awaitable[T]], timeout: float = 5.0, interval: float = 0.05
) -> T:
    """Retry `check` until it stops raising AssertionError (event-driven effects)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        await asyncio.sleep(interval)


async def login(client: ApiClient, email: str, password: str, *, timeout: float = 5.0) -> ApiClient:
    """Log in; retries while the gateway has not yet learned about a brand-new tenant."""

    async def attempt() -> Any:
        resp = await client.post("/api/auth/login", json={"email": email, "password": password})
        assert resp.status != 404, resp
        assert resp.status == 200, resp
        return resp.json

    tokens = await eventually(attempt, timeout=timeout)
    logged = client.with_token(tokens["access_token"])
    logged.user, logged.email, logged.password = tokens["user"], email, password
    logged.refresh_token = tokens["refresh_token"]
    return logged


async def through(client: ApiClient, gateway: str) -> ApiClient:
    """`client` through another gateway (its base URL), once that gateway knows the tenant."""
    moved = client.on_gateway(gateway)

    async def known() -> None:
        assert (await moved.get("/api/auth/jwks")).status == 200

    await eventually(known, timeout=10)
    return moved


@dataclass
class Tenant:
    slug: str
    org_id: str
    org: dict[str, Any]
    admin: ApiClient
    anon: ApiClient
    _counter: list[int] = field(default_factory=lambda: [0])

    async def create_user(
        self,
        role: str = "technician",
        *,
        name: str | None = None,
        email: str | None = None,
        password: str | None = None,
    ) -> ApiClient:
        """A user of this tenant with `role`, invited by the admin, logged in."""
        self._counter[0] += 1
        email = email or f"{role}{self._counter[0]}-{secrets.token_hex(3)}@{self.slug}.example.com"
        password = password or "pw-" + secrets.token_urlsafe(12)
        resp = await self.admin.post(
            "/api/users/invite",
            json={
                "email": email,
                "name": name or f"{role.title()} {self._counter[0]}",
                "role": role,
            },
        )
        assert resp.status == 201, resp
        user_id = resp.json["id"]
        resp = await self.admin.post(
            f"/api/users/{user_id}/set-password", json={"password": password}
        )
        assert resp.status == 200, resp
        return await login(self.anon, email, password)
