"""The system org is created once even when replicas start together."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from auth.config import Settings
from auth.passwords import Passwords
from auth.service import Auth
from auth.service.orgs import bootstrap
from servelo_common.db import create_pool
from servelo_common.jwt import SigningKey, TokenSigner


async def test_concurrent_bootstraps_create_one_org_and_admin(stack: Any, db: Any) -> None:
    slug = "boot" + secrets.token_hex(4)
    settings = Settings.model_validate(
        {
            "env": "test",
            "database_url": stack.admin_dsn,
            "nats_url": "nats://127.0.0.1:1",
            "internal_secret": "x" * 40,
            "system_admin_org": slug,
            "bootstrap_admin_email": "Root@Example.com",
            "bootstrap_admin_password": "root-password",
            "password_hash_profile": "fast",
        }
    )
    pool = await create_pool(stack.admin_dsn, schema="auth", application_name="test")
    keys = [SigningKey.generate()]
    try:
        replicas = [
            Auth(
                pool=pool,
                settings=settings,
                keys=keys,
                signer=TokenSigner(keys),
                passwords=Passwords("fast"),
            )
            for _ in range(4)
        ]
        await asyncio.gather(*[bootstrap(r) for r in replicas])
        org_id = await db.fetchval("SELECT id FROM auth.orgs WHERE slug = $1", slug)
        assert org_id is not None
        users = await db.fetch(
            "SELECT email, role, status FROM auth.users WHERE org_id = $1", org_id
        )
        assert [tuple(u) for u in users] == [("root@example.com", "admin", "active")]
    finally:
        await db.execute("DELETE FROM auth.orgs WHERE slug = $1", slug)
        await pool.close()
