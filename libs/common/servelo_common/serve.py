"""Run one service: `python -m servelo_common.serve auth.main:create_app`.

uvloop and httptools (an answer written in one system call: `coalesce`), the port from
`SERVELO_PORT` (default 8000), the host from
`SERVELO_HOST` (default 127.0.0.1; containers set 0.0.0.0), and `SERVELO_WORKERS` worker
processes (default 1) sharing the listening socket: each its own event loop, pool,
relay and consumers, as replicas are (the relay's `SKIP LOCKED` and the durable consumers
share the work). One process runs one core; more workers use more cores of one host.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette

from servelo_common.coalesce import CoalescingHttpToolsProtocol
from servelo_common.logs import configure_logging

MAX_WORKERS = 64
GC_YOUNG_THRESHOLD = 50_000
# The service's own factory, for `settled_app` in this process and in every worker process.
FACTORY_ENV = "SERVELO_APP_FACTORY"


def workers_from_env(environ: Mapping[str, str] = os.environ) -> int:
    """`SERVELO_WORKERS`: fails fast on anything but a whole number from 1 to 64."""
    raw = environ.get("SERVELO_WORKERS", "1").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_WORKERS:
        raise SystemExit(f"SERVELO_WORKERS must be a whole number from 1 to {MAX_WORKERS}: {raw!r}")
    return int(raw)


def settle_gc() -> None:
    """Everything the start-up allocated lives as long as the process: out of the cyclic
    GC's passes. A request allocates a few hundred tracked objects that die by reference
    counting; with the default threshold (700) the young generation was collected every few
    requests, ~7 % of a service's CPU under load (perf, GET of a ticket). Cycles are still
    collected, after 50,000 allocations instead of 700. For a process that serves and
    nothing else: tests that start an app inside their own process keep the defaults."""
    gc.collect()  # the start-up's garbage is not frozen with it
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 10)


def settled_app() -> Starlette:
    """The factory uvicorn runs: the one named in `SERVELO_APP_FACTORY`, its lifespan
    followed by `settle_gc` once started (the pool, the workers and the caches exist by
    then). Wrapping the lifespan, not the app, keeps every request's path as it was."""
    module, _, name = os.environ[FACTORY_ENV].partition(":")
    app: Starlette = getattr(importlib.import_module(module), name)()
    started = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[Any]:
        async with started(app) as state:
            settle_gc()
            yield state

    app.router.lifespan_context = lifespan
    return app


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python -m servelo_common.serve <module>:<app factory>")
    # JSON from the first line on (an import error, uvicorn's start-up), before the app
    # factory configures it again with its settings' level.
    configure_logging(sys.argv[1].split(".", 1)[0], os.environ.get("SERVELO_LOG_LEVEL", "INFO"))
    os.environ[FACTORY_ENV] = sys.argv[1]  # inherited by the worker processes
    uvicorn.run(
        "servelo_common.serve:settled_app",
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
