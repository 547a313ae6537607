"""A bounded fuzz pass through the real gateway and services: no input gives a 5xx.

Every operation of the gateway's own `/api/openapi.json` gets a few requests built from
its schema, each with some values replaced by hostile ones (wrong types, huge numbers, NUL,
deep nesting, forged cursors, odd dates and ids), signed in as a tenant's admin, so the
requests get past authentication into the handlers. Ids of what the pass created are
reused in paths, to reach past the 404s. A second part flips bytes of raw requests at the
gateway's parser. Seeded: a failure names the seed and the request, which replay it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import secrets
import string
import time
import uuid
from typing import Any

import aiohttp
import pytest
from servelo_dev.testing.tenants import Tenant

pytestmark = pytest.mark.slow

SEED = 20261201
PER_OPERATION = 6
BUDGET_SECONDS = 120.0
# Never sent: they end the caller's own session or belong to the system admin's host.
SKIPPED = {("POST", "/api/auth/logout")}

QUERY_NAMES = [
    "limit",
    "cursor",
    "sort",
    "order",
    "status",
    "priority",
    "q",
    "updated_since",
    "from",
    "to",
    "trashed",
    "active",
    "assignee",
    "customer_id",
    "category",
    "group_by",
    "token",
]


def forged_cursor(rng: random.Random) -> str:
    value = rng.choice(
        [
            [2**63 + 5],  # the unversioned form of before: a bigint overflow in Postgres
            [1, 2**63 + 5],
            [1, -(2**63) - 1],
            [1, "a\u0000", str(uuid.uuid4())],
            [1, "2026-01-01T00:00:00Z", "not-a-uuid"],
            [1, "9999-12-31T23:59:59Z", str(uuid.uuid4())],
            [2, 5],
            [7],
            {"x": 1},
            [1, [[[[]]]]],
            [1, 1e308],
        ]
    )
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def hostile_scalar(rng: random.Random) -> Any:
    return rng.choice(
        [
            None,
            True,
            0,
            -1,
            2**31,
            2**63,
            2**64 + 1,
            10**30,
            1e308,
            -1e308,
            0.1,
            "",
            " ",
            "\u0000",
            "a\u0000b",
            "x" * 5000,
            "é" * 300,
            "NaN",
            "Infinity",
            "-0",
            "1e400",
            "9" * 40 + ".99",
            "0.001",
            "0001-01-01",
            "9999-12-31",
            "2026-02-30",
            "2026-13-01T25:61:61Z",
            "9999-12-31T23:59:59.999999Z",
            "00000000-0000-0000-0000-000000000000",
            str(uuid.uuid4()),
            "not-an-id",
            "<script>",
            "'; drop table x; --",
            "%00",
            "../../etc/passwd",
        ]
    )


class Deep:
    """JSON nested `depth` levels; written as text (json.dumps would recurse itself)."""

    def __init__(self, depth: int) -> None:
        self.depth = depth


def dump(value: Any) -> bytes:
    deep: list[int] = []

    def placeholder(obj: Any) -> str:
        if isinstance(obj, Deep):
            deep.append(obj.depth)
            return f"\u0001deep{len(deep) - 1}\u0001"
        raise TypeError(type(obj).__name__)

    text = json.dumps(value, default=placeholder)
    for i, depth in enumerate(deep):
        text = text.replace(f'"\\u0001deep{i}\\u0001"', "[" * depth + "1" + "]" * depth)
    return text.encode()


def from_schema(
    schema: dict[str, Any], doc: dict[str, Any], rng: random.Random, hostile: float, depth: int = 0
) -> Any:
    """A value of `schema`; each part replaced by a hostile one with probability `hostile`."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"].get(name, {})
    if depth > 6 or rng.random() < hostile:
        return hostile_scalar(rng)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return from_schema(rng.choice(schema[key]), doc, rng, hostile, depth + 1)
    if "enum" in schema:
        return rng.choice(schema["enum"])
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        out = {
            name: from_schema(sub, doc, rng, hostile, depth + 1)
            for name, sub in props.items()
            if name in schema.get("required", ()) or rng.random() < 0.6
        }
        if rng.random() < hostile:
            out["unexpected"] = Deep(rng.choice([10, 63, 64, 65, 200, 1000]))
        return out
    if kind == "array":
        n = rng.choice([0, 500]) if rng.random() < hostile else rng.randint(1, 3)
        item = schema.get("items", {})
        return [from_schema(item, doc, rng, hostile, depth + 1) for _ in range(n)]
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "uuid":
            return str(uuid.uuid4())
        if fmt == "date":
            return rng.choice(["2026-03-04", "2000-01-01", "2999-12-31"])
        if fmt == "date-time":
            return rng.choice(["2026-03-04T05:06:07Z", "2026-03-04T05:06:07+02:00"])
        if fmt == "email":
            return f"fuzz-{secrets.token_hex(3)}@example.test"
        if "pattern" in schema and "\\d" in schema["pattern"]:
            return rng.choice(["12.50", "0.00", "100", "3.333"])
        size = rng.randint(1, min(int(schema.get("maxLength", 20)), 20))
        return "".join(rng.choice(string.ascii_letters + " ") for _ in range(size))
    if kind == "integer":
        return rng.choice([0, 1, 7, 100])
    if kind == "number":
        return rng.choice([0, 1.5, 8.25, 24])
    if kind == "boolean":
        return rng.choice([True, False])
    return hostile_scalar(rng)


def query_for(rng: random.Random) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in rng.sample(QUERY_NAMES, rng.randint(0, 4)):
        if name == "cursor":
            out[name] = forged_cursor(rng)
            out.setdefault("sort", rng.choice(["number", "-number", "created_at", "name"]))
        elif name == "sort":
            out[name] = rng.choice(["number", "-number", "-updated_at", "scheduled_at", "zzz"])
        else:
            value = hostile_scalar(rng)
            out[name] = json.dumps(value) if not isinstance(value, str) else value
    return out


def path_for(template: str, created: dict[str, list[str]], rng: random.Random, own_id: str) -> str:
    parts: list[str] = []
    for segment in template.strip("/").split("/"):
        if segment.startswith("{"):
            collection = "/" + "/".join(parts[:2]) if len(parts) >= 2 else ""
            ids = [i for i in created.get(collection, []) if i != own_id]
            if ids and rng.random() < 0.7:
                parts.append(rng.choice(ids))
            else:
                parts.append(
                    rng.choice(
                        [
                            str(uuid.uuid4()),
                            "0",
                            "-1",
                            "99999999999999999999999",
                            "%00",
                            "a" * 300,
                            "%E2%82%AC",
                            "null",
                        ]
                    )
                )
        else:
            parts.append(segment)
    return "/" + "/".join(parts)


async def send(
    http: aiohttp.ClientSession,
    url: str,
    method: str,
    path: str,
    *,
    headers: dict[str, str],
    params: dict[str, str],
    body: Any,
) -> tuple[int, Any]:
    data = None
    hdrs = dict(headers)
    if body is not None:
        data = dump(body)
        hdrs["Content-Type"] = "application/json"
    async with http.request(
        method, url + path, params=params, data=data, headers=hdrs, allow_redirects=False
    ) as resp:
        raw = await resp.read()
        try:
            return resp.status, json.loads(raw) if raw else None
        except ValueError:
            return resp.status, raw[:200]


async def test_no_request_from_the_schema_gives_a_5xx(stack: Any, tenant: Tenant) -> None:
    rng = random.Random(SEED)
    base = stack.gateway_url
    # Its own address for the IP limit: the pass must not spend the session's budget.
    ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    doc_status, doc = await send(
        tenant.anon.http,
        base,
        "GET",
        "/api/openapi.json",
        headers={"Host": tenant.anon.host},
        params={},
        body=None,
    )
    assert doc_status == 200 and doc["paths"]
    admin = tenant.admin
    own_id = str(admin.user["id"])
    created: dict[str, list[str]] = {}
    failures: list[str] = []
    statuses: dict[int, int] = {}
    sent = 0
    deadline = time.monotonic() + BUDGET_SECONDS
    operations = [
        (method.upper(), path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if (method.upper(), path) not in SKIPPED and not path.startswith("/api/admin")
    ]
    # Creations first, so later paths can name real rows; deletions last.
    order = {"POST": 0, "GET": 1, "PUT": 2, "PATCH": 2, "DELETE": 3}
    operations.sort(key=lambda o: (order.get(o[0], 1), "{" in o[1], o[1]))
    headers = {"Host": admin.host, "Authorization": f"Bearer {admin.token}", "X-Forwarded-For": ip}

    async def attempt(
        method: str, template: str, path: str, params: dict[str, str], body: Any
    ) -> None:
        nonlocal sent
        status, answer = await send(
            admin.http, base, method, path, headers=headers, params=params, body=body
        )
        sent += 1
        statuses[status // 100] = statuses.get(status // 100, 0) + 1
        if status >= 500:
            failures.append(f"{status} {method} {path} {params} {dump(body)[:300]!r}")
        if method == "POST" and status == 201 and isinstance(answer, dict) and "id" in answer:
            created.setdefault(template, []).append(str(answer["id"]))
        # Revoking the other sessions (or a password change) re-issues the caller's token.
        if status < 300 and isinstance(answer, dict) and isinstance(answer.get("accessToken"), str):
            headers["Authorization"] = f"Bearer {answer['accessToken']}"

    for method, template, op in operations:
        schema = (
            op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
        )
        # Known classes, every time: forged cursors on every list, deep bodies everywhere.
        if method == "GET" and "{" not in template:
            for _ in range(3):
                await attempt(method, template, template, {"cursor": forged_cursor(rng)}, None)
            big = base64.urlsafe_b64encode(json.dumps([2**63 + 5]).encode()).decode()
            await attempt(method, template, template, {"sort": "number", "cursor": big}, None)
        if schema is not None:
            path = path_for(template, created, rng, own_id)
            for depth in (65, 1000):
                await attempt(method, template, path, {}, {"x": Deep(depth)})
        # Then random ones: half valid (they create rows and reach deeper), half hostile.
        for i in range(PER_OPERATION):
            if time.monotonic() > deadline:
                break
            hostile = 0.0 if i % 2 == 0 else 0.2
            path = path_for(template, created, rng, own_id)
            params = query_for(rng) if method == "GET" and hostile else {}
            body = from_schema(schema, doc, rng, hostile) if schema is not None else None
            await attempt(method, template, path, params, body)
    assert not failures, f"seed {SEED}: " + "\n".join(failures[:20])
    assert sent >= 300, sent
    assert statuses.get(2, 0) >= 100, statuses  # a pass of 4xx only would test little


def mutate(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        pos = rng.randrange(len(data))
        if kind < 0.4:
            data[pos] = rng.randrange(256)
        elif kind < 0.7:
            data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif kind < 0.85:
            del data[pos : pos + rng.randint(1, 8)]
        else:
            data[pos:pos] = rng.choice(
                [b"\r\n", b"\n", b"\r\nHost: x\r\n", b"\r\nContent-Length: 5\r\n", b":", b" "]
            )
    return bytes(data)


async def test_mangled_raw_requests_never_get_a_5xx(stack: Any, tenant: Tenant) -> None:
    rng = random.Random(SEED + 1)
    port = int(stack.gateway_url.rsplit(":", 1)[1])
    ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    valid = (
        f"POST /api/tickets?limit=5 HTTP/1.1\r\nHost: {tenant.admin.host}\r\n"
        f"Authorization: Bearer {tenant.admin.token}\r\nX-Forwarded-For: {ip}\r\n"
        'Content-Type: application/json\r\nContent-Length: 15\r\n\r\n{"title": "hi"}'
    ).encode()
    statuses: list[int] = []
    for _ in range(300):
        raw = mutate(valid, rng)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(raw)
            writer.write_eof()
            answer = await asyncio.wait_for(reader.read(), 10)
        except ConnectionError:
            answer = b""
        finally:
            writer.close()
        if answer.startswith(b"HTTP/1.1 "):
            status = int(answer[9:12])
            statuses.append(status)
            assert status < 500, (raw, answer[:300])
    assert len(statuses) > 200  # most mangled requests still get an answer
    assert (await tenant.anon.get("/healthz")).status == 200
