"""A Python client generated from `/api/openapi.json` drives the API end to end, so a
document a client cannot be generated from (or one that lies) breaks the build.

Here rather than in gateway/tests: those run on uvloop, where httpx (the generated client's
transport) leaves connections for the garbage collector and warnings are errors."""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote

import orjson
import pytest
from servelo_dev.testing.tenants import Tenant

PACKAGE = "servelo_generated_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, stack: Any) -> ModuleType:
    import urllib.request

    work = tmp_path_factory.mktemp("client")
    request = urllib.request.Request(  # noqa: S310 - the test stack on loopback
        stack.gateway_url + "/api/openapi.json", headers={"Host": stack.host(stack.system_org)}
    )
    with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310
        (work / "openapi.json").write_bytes(resp.read())
    tool = Path(sys.executable).parent / "openapi-python-client"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    subprocess.run(
        [
            str(tool),
            "generate",
            "--path",
            "openapi.json",
            "--meta",
            "none",
            "--output-path",
            PACKAGE,
        ],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    sys.path.insert(0, str(work))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(work))


def op(package: ModuleType, tag: str, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.api.{tag}.{name}")


def model(package: ModuleType, name: str) -> Any:
    return getattr(importlib.import_module(f"{package.__name__}.models"), name)


async def test_a_generated_client_signs_in_creates_and_pages(
    generated: ModuleType, stack: Any, tenant: Tenant
) -> None:
    host = {"Host": stack.host(tenant.slug)}
    async with generated.Client(base_url=stack.gateway_url, headers=host) as anonymous:
        login = await op(generated, "auth", "login").asyncio_detailed(
            client=anonymous,
            body=model(generated, "LoginInput")(
                email=tenant.admin.email, password=tenant.admin.password
            ),
        )
    assert login.status_code == 200, login.content
    tokens = login.parsed
    assert tokens.expires_in == 900 and tokens.user.email == tenant.admin.email
    async with generated.AuthenticatedClient(
        base_url=stack.gateway_url, token=tokens.access_token, headers=host
    ) as api:
        await _drive(generated, api)
    async with generated.AuthenticatedClient(
        base_url=stack.gateway_url, token="not-a-token", headers=host
    ) as forged:
        refused = await op(generated, "tickets", "list_tickets").asyncio_detailed(client=forged)
    assert refused.status_code == 401
    assert orjson.loads(refused.content)["error"]
    # A closed transport closes its socket on the loop's next turn: give it that turn before
    # the test's loop ends, or the sockets surface as ResourceWarnings in the next test.
    await asyncio.sleep(0.05)


async def _drive(generated: ModuleType, api: Any) -> None:
    customer = await op(generated, "clients", "create_customer").asyncio(
        client=api,
        body=model(generated, "CustomerCreate")(name="Generated Ltd", email="g@gen.test"),
    )
    assert customer.name == "Generated Ltd" and customer.email == "g@gen.test"

    line = model(generated, "LineItemIn")(description="Survey", quantity="2", unit_price="40.00")
    quote = await op(generated, "quotes", "create_quote").asyncio(
        client=api,
        body=model(generated, "QuoteCreate")(customer_id=customer.id, line_items=[line]),
    )
    assert quote.status == "draft" and quote.total == "80.00"

    created = set()
    for title in ("one", "two", "three"):
        ticket = await op(generated, "tickets", "create_ticket").asyncio(
            client=api,
            body=model(generated, "TicketCreate")(title=title, customer_id=customer.id),
        )
        created.add(ticket.id)

    listing = op(generated, "tickets", "list_tickets")
    seen: list[Any] = []
    cursor: Any = generated.types.UNSET
    for _ in range(5):
        page = await listing.asyncio_detailed(client=api, limit=2, cursor=cursor)
        assert page.status_code == 200, page.content
        seen += [t.id for t in page.parsed]
        link = page.headers.get("link")
        if not link:
            break
        cursor = unquote(link.split("cursor=", 1)[1].split(">", 1)[0].split("&", 1)[0])
    assert set(seen) == created and len(seen) == 3
