"""`servelo orgs` through auth's service layer: what the CLI does is seen through the real
gateway (sign-in, suspension, deletion) and on the event stream (the outbox's events)."""

from __future__ import annotations

import secrets
from typing import Any

import aiohttp
import nats
from servelo_dev.testing.events import stream_events
from servelo_dev.testing.mail import text_of
from servelo_dev.testing.tenants import Tenant, eventually, login

from .conftest import Cli, clean_env, run_cli


def new_slug() -> str:
    return "cli" + secrets.token_hex(4)


async def events_of(stack: Any, subject: str, tenant: str) -> list[dict[str, Any]]:
    nc = await nats.connect(stack.nats_url)
    try:
        return await stream_events(nc, subject, tenant=tenant)
    finally:
        await nc.close()


async def test_an_org_made_by_the_cli_lives_suspends_resumes_and_goes(
    cli: Cli, stack: Any, http: aiohttp.ClientSession
) -> None:
    slug, email, password = new_slug(), "boss@cli.example.com", "pw-" + secrets.token_hex(8)
    created = await cli(
        "orgs", "create", slug, "--name", "Made by CLI", "--plan", "pro",
        "--admin-email", email, "--admin-name", "Boss", "--admin-password-stdin", "--json",
        stdin=password + "\n",
    )  # fmt: skip
    assert created.code == 0, created
    org = created.json
    assert {k: org[k] for k in ("slug", "name", "plan", "active", "user_count")} == {
        "slug": slug, "name": "Made by CLI", "plan": "pro", "active": True, "user_count": 1,
    }  # fmt: skip
    assert org["created_at"].endswith("Z")
    # The API's own events, from auth's outbox, published by auth's relay.
    types = [e["type"] for e in await events_of(stack, "servelo.events.auth.>", org["id"])]
    assert types[:2] == ["org-created", "user-created"]

    admin = await login(stack.client(http, slug), email, password, timeout=15)
    assert (await admin.get("/api/auth/me")).status == 200

    listed = await cli("orgs", "list", "--json")
    assert listed.code == 0, listed
    assert next(o for o in listed.json if o["slug"] == slug)["id"] == org["id"]

    suspended = await cli("orgs", "suspend", slug, "--json")
    assert suspended.code == 0 and suspended.json["active"] is False, suspended

    async def refused() -> None:
        resp = await admin.get("/api/auth/me")
        assert resp.status == 403 and resp.json["error"] == "Organization is suspended", resp

    await eventually(refused, timeout=10)
    revoked = await events_of(stack, "servelo.events.auth.tokens-revoked", org["id"])
    assert revoked and revoked[-1]["data"]["scope"] == "org"

    resumed = await cli("orgs", "resume", slug, "--json")
    assert resumed.code == 0 and resumed.json["active"] is True, resumed
    again = await login(stack.client(http, slug), email, password, timeout=15)
    assert (await again.get("/api/auth/me")).status == 200

    deleted = await cli("orgs", "delete", slug, "--yes", "--json")
    assert deleted.code == 0, deleted
    assert deleted.json == {"message": "Organization deleted successfully", "slug": slug}
    assert [e["type"] for e in await events_of(stack, "servelo.events.auth.org-deleted", org["id"])]

    async def gone() -> None:
        resp = await stack.client(http, slug).post(
            "/api/auth/login", json={"email": email, "password": password}
        )
        assert resp.status == 404, resp

    await eventually(gone, timeout=10)


async def test_an_admin_without_a_password_is_invited_by_mail(cli: Cli, stack: Any) -> None:
    slug = new_slug()
    email = f"invited@{slug}.example.com"
    result = await cli(
        "orgs", "create", slug, "--name", "Invited", "--admin-email", email,
        "--admin-name", "New Admin",
    )  # fmt: skip
    assert result.code == 0, result
    assert "invited" in result.stderr
    assert result.stdout.startswith("SLUG")  # the table, for people
    mail = await stack.mail.wait_for(to=email, timeout=15)
    assert f"{slug}.{stack.base_domain}" in text_of(mail)  # the link to its own host


async def test_refusals_are_clear_with_their_codes(cli: Cli, stack: Any, tenant: Tenant) -> None:
    taken = await cli(
        "orgs", "create", tenant.slug, "--name", "Again", "--admin-email", "x@example.com",
        "--admin-name", "X", "--json",
    )  # fmt: skip
    assert taken.code == 1, taken
    assert taken.json["code"] == "conflict"
    assert taken.json["error"] == "An organization with this slug already exists"

    invalid = await cli(
        "orgs", "create", "Not A Slug", "--name", "X", "--admin-email", "not-an-email",
        "--admin-name", "X", "--json",
    )  # fmt: skip
    assert invalid.code == 2, invalid
    assert invalid.json["code"] == "validation_failed"
    assert {"slug", "admin.email"} <= set(invalid.json["errors"])

    missing = await cli("orgs", "suspend", "no-such-org")
    assert missing.code == 1 and "Organization not found" in missing.stderr
    system = await cli("orgs", "suspend", stack.system_org, "--json")
    assert system.code == 1 and system.json["code"] == "conflict", system

    unconfirmed = await cli("orgs", "delete", tenant.slug)
    assert unconfirmed.code == 2 and "--yes" in unconfirmed.stderr
    assert (await tenant.admin.get("/api/auth/me")).status == 200  # still there


async def test_an_invitation_needs_the_platforms_base_domain() -> None:
    """Against a deployment (the environment path), the link in the invitation is built
    from the CLI's settings: without SERVELO_BASE_DOMAIN it would point at localhost."""
    env = clean_env({"SERVELO_DATABASE_URL": "postgresql://admin@db.invalid/postgres"})
    result = await run_cli(
        "orgs", "create", new_slug(), "--name", "X", "--admin-email", "a@example.com",
        "--admin-name", "A", "--data-dir", "/nonexistent", "--json", env=env,
    )  # fmt: skip
    assert result.code == 2, result
    assert result.json["code"] == "invalid_settings"
    assert "SERVELO_BASE_DOMAIN" in result.json["error"]
