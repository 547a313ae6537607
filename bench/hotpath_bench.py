"""The gateway's per-request Python cost, without sockets: steadier than wrk on a busy machine.

A client connection and a pooled upstream connection get fake transports; each iteration
feeds one request (as wrk sends it) and the service's canned answer (as uvicorn sends it),
so everything the gateway does in Python per request runs, and no system call does.
Also times one cold-token verification (Ed25519 + claims checks).

    uv run python bench/hotpath_bench.py [--n 50000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import uvloop
from gateway.app import Gateway
from gateway.config import Settings
from gateway.protocol import ClientProtocol
from gateway.server import build_gateway
from gateway.upstream import UpstreamConnection
from servelo_common.jwt import SigningKey, TokenSigner, jwks_for

SECRET = "bench-" + "s" * 40
RESPONSE = (
    b"HTTP/1.1 200 OK\r\ndate: Sun, 22 Nov 2026 19:44:23 GMT\r\nserver: uvicorn\r\n"
    b"content-length: 73\r\ncontent-type: application/json\r\n\r\n"
    b'{"pong":true,"org":"bench","user":"327c6520-965c-4844-be16-77b115e85cd4"}'
)


class FakeTransport:
    def __init__(self) -> None:
        self.out: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.out.append(data)
        if len(self.out) > 64:
            self.out.clear()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        if name == "peername":
            return ("127.0.0.1", 40000)
        if name == "socket":
            return None
        return default

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


def make_gateway() -> tuple[Gateway, str, list[str]]:
    key = SigningKey.generate()
    signer = TokenSigner([key])
    work = Path(tempfile.mkdtemp(prefix="servelo-hotpath-"))
    org_id = str(uuid.uuid4())
    orgs = [{"id": org_id, "slug": "bench", "name": "Bench", "plan": "pro"}]
    (work / "orgs.json").write_text(json.dumps(orgs))
    (work / "jwks.json").write_text(json.dumps(jwks_for([key])))
    settings = Settings(
        env="development",
        internal_secret=SECRET,
        auth_url="",
        tickets_url="",
        crm_url="",
        finance_url="",
        team_url="",
        webhooks_url="",
        gateway_routes={"/api/bench": "http://127.0.0.1:9"},
        ratelimit_ip_per_minute=0,
        ratelimit_tenant_per_minute=0,
        gateway_static_orgs=work / "orgs.json",
        gateway_static_jwks=work / "jwks.json",
    )  # type: ignore[call-arg]
    gw, _jobs, _sync = build_gateway(settings)
    shutil.rmtree(work, ignore_errors=True)
    token = signer.sign(
        user_id=str(uuid.uuid4()), org="bench", org_id=org_id, role="admin", session_id="s1"
    )
    cold = [
        signer.sign(user_id=str(uuid.uuid4()), org="bench", org_id=org_id, role="admin")
        for _ in range(2000)
    ]
    return gw, token, cold


async def run(n: int, repeat: int, with_cold: bool) -> None:
    gw, token, cold = make_gateway()
    client = ClientProtocol(gw)
    client.connection_made(FakeTransport())  # type: ignore[arg-type]
    route = gw.routes.match(b"/api/bench/ping")
    assert route is not None
    key = (route.service.host, route.service.port)
    up = UpstreamConnection(gw.pool, key)
    up.connection_made(FakeTransport())  # type: ignore[arg-type]
    gw.pool.release(up)
    request = (
        b"GET /api/bench/ping HTTP/1.1\r\nHost: bench.localhost\r\n"
        b"Authorization: Bearer " + token.encode() + b"\r\n\r\n"
    )
    client_t = client.transport
    assert isinstance(client_t, FakeTransport)

    def once() -> None:
        client.data_received(request)
        up.data_received(RESPONSE)

    once()
    assert client_t.out[-1].startswith(b"HTTP/1.1 200"), client_t.out[-1]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.thread_time()
        for _ in range(n):
            once()
        best = min(best, (time.thread_time() - t0) / n)
    print(f"warm request, Python per request: {best * 1e6:.2f} µs (best of {repeat} x {n})")
    if not with_cold:
        return

    verify = gw.authenticator.verifier.verify
    best = float("inf")
    for _ in range(repeat):
        t0 = time.thread_time()
        for t in cold:
            verify(t)
        best = min(best, (time.thread_time() - t0) / len(cold))
    print(f"cold token verify: {best * 1e6:.1f} µs (best of {repeat} x {len(cold)})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-cold", action="store_true", help="skip the token verification")
    args = parser.parse_args()
    uvloop.run(run(args.n, args.repeat, not args.no_cold))


if __name__ == "__main__":
    main()
