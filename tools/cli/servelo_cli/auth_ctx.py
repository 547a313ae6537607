"""Auth's own service layer, driven from the CLI: the same use cases as `/api/admin/orgs`,
so every change commits with its events in auth's outbox (org-created, org-updated,
tokens-revoked, org-deleted, ...) and auth's relay publishes them, exactly as for the API.

The CLI acts as a system admin (an identity of the system org with the admin role, no
user), which is what the use cases check. It builds auth's `Settings` for them: the
platform's own values (base domain, system org, public port: the links mailed to an invited
admin) from the environment or make run's folder.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from auth.config import Settings
from auth.passwords import Passwords
from auth.service import Auth
from auth.service import orgs as org_service
from pydantic import ValidationError
from servelo_common.errors import (
    ApiError,
    RequestValidationError,
    ServiceUnavailable,
    error_code,
)
from servelo_common.identity import Identity
from servelo_common.jwt import SigningKey, TokenSigner

from servelo_cli.output import CliError, Exit, unavailable
from servelo_cli.target import Target


def settings_for(target: Target) -> Settings:
    # The CLI signs neither tokens nor identity headers: the secret and the key below only
    # satisfy the settings' production rules and are never used.
    throwaway = SigningKey.generate()
    values: dict[str, Any] = {
        "database_url": target.dsn("auth"),
        "nats_url": target.nats_url or "nats://127.0.0.1:4222",
        "internal_secret": "cli-" + secrets.token_urlsafe(32),
        "jwt_keys": json.dumps([{"kid": throwaway.kid, "pem": throwaway.to_pem()}]),
    }
    if target.stack is not None:
        values.update(
            env=target.stack.env,
            base_domain=target.stack.base_domain,
            system_admin_org=target.stack.system_org,
        )
        if target.stack.public_port:
            values["public_port"] = target.stack.public_port
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise CliError(
            f"auth's settings are invalid: {exc.errors()[0]['msg']}",
            code="invalid_settings",
            exit=Exit.USAGE,
        ) from exc


@asynccontextmanager
async def auth_context(target: Target) -> AsyncIterator[tuple[Auth, Identity]]:
    """Auth's use-case context on a pool of auth's role, and the system-admin identity."""
    settings = settings_for(target)
    pool = await target.pool("auth")
    try:
        keys = [SigningKey.generate()]
        ctx = Auth(
            pool=pool,
            settings=settings,
            keys=keys,
            signer=TokenSigner(keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience),
            passwords=Passwords(settings.password_hash_profile, concurrency=1, queue=4),
        )
        slug = settings.system_admin_org
        try:
            system = await org_service.registry_entry(ctx, slug=slug)
        except ApiError as exc:
            raise CliError(
                f"the system org {slug!r} does not exist yet: auth creates it at its first start",
                code="not_found",
            ) from exc
        yield ctx, Identity(org_id=str(system.id), org_slug=slug, role="admin")
    finally:
        await pool.close()


def cli_error(exc: ApiError) -> CliError:
    """An error of auth's service layer, as the CLI reports it."""
    if isinstance(exc, ServiceUnavailable):
        return unavailable(exc.message)
    details = {"errors": exc.errors} if exc.errors else {}
    invalid = isinstance(exc, RequestValidationError) or exc.status == 400
    return CliError(
        exc.message,
        code=exc.code or error_code(exc.status, exc.errors),  # the API's own code
        exit=Exit.USAGE if invalid else Exit.FAILED,
        details=details,
    )
