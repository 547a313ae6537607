"""Run one service: `python -m servelo_common.serve auth.main:create_app`.

uvloop and httptools, the port from `SERVELO_PORT` (default 8000), the host from
`SERVELO_HOST` (default 127.0.0.1; containers set 0.0.0.0).
"""

from __future__ import annotations

import os
import sys

import uvicorn

from servelo_common.logs import configure_logging


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
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_config=None,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
