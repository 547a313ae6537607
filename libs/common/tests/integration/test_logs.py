"""Every line every component of the stack wrote is one JSON object of the one schema
(docs/operations.md, "Logs"), after traffic with errors and a consumer event."""

import re
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from servelo_dev.testing import Tenant, eventually
from servelo_dev.testing.factories import make_customer, make_ticket

KEYS = ("time", "level", "logger", "message", "service", "request_id", "trace_id", "org")
LEVELS = {"debug", "info", "warning", "error", "critical"}
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def read_logs(stack: Any) -> dict[str, list[dict[str, Any]]]:
    """component log file -> its lines, each checked against the schema."""
    folder: Path = stack.stack.data_dir / "logs"
    found: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(folder.glob("*.log")):
        component = path.stem.split("-replica-")[0]
        entries = found.setdefault(path.stem, [])
        for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
            where = f"{path.name}:{number}: {raw[:300]!r}"
            assert b"\x1b" not in raw, f"ANSI escape in {where}"
            try:
                entry = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise AssertionError(f"not JSON: {where}") from None
            assert isinstance(entry, dict), where
            assert list(entry)[: len(KEYS)] == list(KEYS), where
            assert "color_message" not in entry, where
            assert not any("\x1b" in str(v) for v in entry.values()), f"ANSI in {where}"
            assert entry["service"] == component, where
            assert entry["level"] in LEVELS, where
            assert TIME.fullmatch(entry["time"]), where
            if entry["logger"].startswith("servelo.consumer") or "event_id" in entry:
                assert "event_id" in entry, where
            entries.append(entry)
    return found


async def test_every_log_line_of_every_component_is_json_of_one_schema(
    stack: Any, tenant: Tenant, http: aiohttp.ClientSession
) -> None:
    ticket = await make_ticket(tenant.admin)
    missing = await tenant.admin.get("/api/tickets/00000000-0000-4000-8000-000000000000")
    assert missing.status == 404
    assert (await tenant.admin.post("/api/tickets", json={"title": 7})).status in (400, 422)
    assert (await tenant.anon.get("/api/tickets")).status == 401
    assert (await tenant.admin.get("/api/no-such-route")).status == 404
    customer = await make_customer(tenant.admin)  # team's consumer handles its event
    for _ in range(120):  # past the gateway's sampling of one request in 100
        async with http.get(f"{stack.gateway_url}/healthz") as resp:
            assert resp.status == 200
    request_id = missing.headers["X-Request-Id"]

    async def logged() -> dict[str, list[dict[str, Any]]]:
        logs = read_logs(stack)
        tickets = logs["tickets"]
        access = [e for e in tickets if e["logger"] == "servelo.access"]
        line = next(e for e in access if e["request_id"] == request_id)
        assert line["route"] == "/api/tickets/{id}" and line["status"] == 404, line
        assert line["org"] == tenant.slug, line
        assert line["event_id"] is None, line
        assert any(e["route"] == "/api/tickets" and e["method"] == "POST" for e in access)
        handled = [
            e
            for e in logs["team"]
            if e["message"] == "event handled" and e.get("consumer") == "team-customers"
        ]
        assert any(e["event_id"] for e in handled), "no consumer line with its event id"
        assert any(e["logger"] == "gateway.access" for e in logs["gateway"])
        return logs

    logs = await eventually(logged, timeout=30)
    for component in ("gateway", *stack.services):
        names = {e["logger"] for e in logs[component]}
        assert any(n.startswith("uvicorn") for n in names) or component == "gateway", names
    assert ticket["id"] and customer["id"]
