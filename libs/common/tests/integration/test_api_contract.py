"""Schemathesis against the real gateway: every operation of `/api/openapi.json`, with all
its checks (status codes, response schemas and headers, content types, invalid data refused,
valid data accepted, 405 and `Allow`, auth not ignored, ...), bounded examples each.

The document is what clients generate from; this test holds the server to it and it to the
server: a constraint the server enforces but the document leaves out (or the reverse) fails
here. A fresh tenant per run; the operations that end or change the caller's own session or
account (logout, revoking sessions, setting or changing the password, deactivating or
deleting a user, changing one's role) each run as the admin of a throwaway org of its own,
and the system-admin operations as a throwaway system admin, so they cannot break the rest
of the run. `schemathesis_hooks.py` routes each operation to its caller.

`SERVELO_CONTRACT_EXAMPLES` (default 15) sets the examples per operation and
`SERVELO_CONTRACT_SEED` the seed (default fixed, so a failure reproduces).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from servelo_dev.testing.plugin import TestStack, client_address, make_tenant
from servelo_dev.testing.tenants import Tenant, login

HERE = Path(__file__).parent
# The operations that act on the caller's own session or account.
OWN_ACCOUNT = (
    "logout",
    "revokeSession",
    "revokeOtherSessions",
    "setOwnPassword",
    "changePassword",
    "adminSetPassword",
    "deactivate",
    "deleteUser",
    "updateUser",
)


async def throwaway_system_admin(stack: TestStack, http: aiohttp.ClientSession) -> Any:
    """A second admin of the system org, so the fuzzed admin routes never touch the one the
    rest of the suite signs in as."""
    sysadmin = await stack.system_admin(http)
    email = f"contract-{client_address()[-6:].replace(':', '')}@example.com"
    resp = await sysadmin.post(
        "/api/users/invite", json={"email": email, "name": "Contract Admin", "role": "admin"}
    )
    assert resp.status == 201, resp
    password = "pw-contract-" + os.urandom(6).hex()
    resp = await sysadmin.post(
        f"/api/users/{resp.json['id']}/set-password", json={"password": password}
    )
    assert resp.status == 200, resp
    return await login(stack.client(http, stack.system_org), email, password)


def _caller(client: Any) -> dict[str, str]:
    return {"host": client.host, "token": client.token}


# Where a check cannot apply to an operation, and why (each a fact about the data, not a
# failure of the server or of the document).
NOT_APPLICABLE = {
    # The file must be an image (its bytes are sniffed: JPEG, PNG, WebP, GIF); JSON Schema
    # cannot say that of a binary, so drawn bytes are rightly refused with 415.
    "uploadAvatar": ["positive_data_acceptance"],
    "uploadPhoto": ["positive_data_acceptance"],
    # `to` at most 3660 days after `from`: a rule across two parameters, which JSON Schema
    # cannot state (each date alone is described).
    "memberUtilization": ["positive_data_acceptance"],
    # Needs the caller's current password, which a generator cannot know (400).
    "changePassword": ["positive_data_acceptance"],
    # A webhook's URL must name a host that resolves (to a public address in production:
    # docs/webhooks.md); a drawn host name does not, and is rightly refused with the field's
    # error. The document says what a URL looks like, not that it exists.
    "createWebhook": ["positive_data_acceptance"],
    "updateWebhook": ["positive_data_acceptance"],
    "patchWebhook": ["positive_data_acceptance"],
    # Bodies that name other resources (a client, a member, a project, a role, a ticket): a
    # well-formed id of nothing is refused with the field's error, by contract (400, or the
    # team API's 422 `The selected role id is invalid.`). JSON Schema says what an id looks
    # like, not that it exists.
    **{
        op: ["positive_data_acceptance"]
        for op in (
            "createQuote",
            "updateQuote",
            "patchQuote",
            "createRevenue",
            "updateRevenue",
            "patchRevenue",
            "createTicket",
            "updateTicket",
            "createProject",
            "updateProject",
            "patchProject",
            "createAllocation",
            "updateAllocation",
            "patchAllocation",
            "createActual",
            "updateActual",
            "patchActual",
            "createMember",
            "updateMember",
            "patchMember",
        )
    },
}


def config(callers: dict[str, dict[str, str]]) -> str:
    """The run's `schemathesis.toml`: every check on, the run's token as the `bearer`
    scheme, each operation's `Host`, and the checks that cannot apply, per operation."""
    lines = [
        f"headers = {{ Host = {json.dumps(callers['*']['host'])} }}",
        "",
        "[auth.openapi.bearer]",
        f"bearer = {json.dumps(callers['*']['token'])}",
        "",
        "[checks]",
        "enabled = true",
        "",
        # Ids are not taken from earlier answers: one operation's caller would otherwise
        # act on another's account (the run's admin deactivated by a throwaway admin).
        "[phases.coverage.extra-data-sources]",
        "responses = false",
        "[phases.fuzzing.extra-data-sources]",
        "responses = false",
        "",
        # NUL is refused in all text (`http.validate`; Postgres cannot store it), and the
        # document says so for names, texts and passwords, not yet for every string field.
        "[generation]",
        "allow-x00 = false",
        "",
    ]
    for op_id, caller in callers.items():
        if op_id != "*":
            lines += [
                "[[operations]]",
                f"include-operation-id = {json.dumps(op_id)}",
                f"headers = {{ Host = {json.dumps(caller['host'])} }}",
                "",
            ]
    for op_id, checks in NOT_APPLICABLE.items():
        lines += ["[[operations]]", f"include-operation-id = {json.dumps(op_id)}"]
        lines += [f"checks.{check}.enabled = false" for check in checks] + [""]
    return "\n".join(lines)


@pytest.mark.timeout(600)
async def test_the_api_keeps_its_openapi_contract(
    stack: TestStack, http: aiohttp.ClientSession, tenant: Tenant, tmp_path: Path
) -> None:
    resp = await tenant.anon.get("/api/openapi.json")
    assert resp.status == 200
    (tmp_path / "openapi.json").write_bytes(resp.body)
    operations = {
        op["operationId"]: op
        for item in resp.json["paths"].values()
        for op in item.values()
        if isinstance(op, dict)
    }
    assert set(OWN_ACCOUNT) <= set(operations)
    callers = {"*": _caller(tenant.admin)}
    for op_id in OWN_ACCOUNT:
        # The admin of an org of its own: whatever it does to its account, or to an id it
        # draws, stays there (another org's ids are 404; its last admin cannot go: 409).
        callers[op_id] = _caller((await make_tenant(stack, http)).admin)
    system = _caller(await throwaway_system_admin(stack, http))
    for op_id, op in operations.items():
        if "admin" in op.get("tags", ()):
            callers[op_id] = system
    (tmp_path / "schemathesis.toml").write_text(config(callers))
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "schemathesis_hooks",
        "PYTHONPATH": f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "SERVELO_CONTRACT_CALLERS": json.dumps(callers),
    }
    tool = Path(sys.executable).parent / "schemathesis"
    command = [
        str(tool),
        "--config-file",
        str(tmp_path / "schemathesis.toml"),
        "run",
        str(tmp_path / "openapi.json"),
        "--url",
        stack.gateway_url,
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        os.environ.get("SERVELO_CONTRACT_EXAMPLES", "15"),
        "--seed",
        os.environ.get("SERVELO_CONTRACT_SEED", "13"),
        "--workers",
        "2",
        "--no-shrink",
        "--request-timeout",
        "30",
    ]
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=540, check=False
    )
    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-5000:]
