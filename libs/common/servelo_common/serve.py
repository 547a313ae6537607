"""Run one service: `python -m servelo_common.serve auth.main:create_app`.

uvloop and httptools (an answer written in one system call: `coalesce`), the port from
`SERVELO_PORT` (default 8000), the host from
`SERVELO_HOST` (default 127.0.0.1; containers set 0.0.0.0), and `SERVELO_WORKERS` worker
processes (default 1) sharing the listening socket: each its own event loop, pool,
relay and consumers, as replicas are (the relay's `SKIP LOCKED` and the durable consumers
share the work). One process runs one core; more workers use more cores of one host.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

import uvicorn

from servelo_common.coalesce import CoalescingHttpToolsProtocol
from servelo_common.logs import configure_logging

MAX_WORKERS = 64


def workers_from_env(environ: Mapping[str, str] = os.environ) -> int:
    """`SERVELO_WORKERS`: fails fast on anything but a whole number from 1 to 64."""
    raw = environ.get("SERVELO_WORKERS", "1").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_WORKERS:
        raise SystemExit(f"SERVELO_WORKERS must be a whole number from 1 to {MAX_WORKERS}: {raw!r}")
    return int(raw)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python -m servelo_common.serve <module>:<app factory>")
    # JSON from the first line on (an import error, uvicorn's start-up), before the app
    # factory configures it again with its settings' level.
    configure_logging(sys.argv[1].split(".", 1)[0], os.environ.get("SERVELO_LOG_LEVEL", "INFO"))
    uvicorn.run(
        sys.argv[1],
        factory=True,
        host=os.environ.get("SERVELO_HOST", "127.0.0.1"),
        port=int(os.environ.get("SERVELO_PORT", "8000")),
        workers=workers_from_env(),
        loop="uvloop",
        http=CoalescingHttpToolsProtocol,
        access_log=False,
        log_config=None,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
