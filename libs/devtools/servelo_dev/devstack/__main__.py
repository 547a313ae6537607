"""`make run`: the whole platform on this machine, until Ctrl-C.

Embedded Postgres and NATS (in `.servelo/`) unless `SERVELO_DATABASE_URL` /
`SERVELO_NATS_URL` are set. Running it again reuses the data.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from servelo_dev.devstack.stack import Stack, StackConfig, available_services


def main() -> None:
    port = int(os.environ.get("SERVELO_GATEWAY_PORT", "8080"))
    config = StackConfig(
        data_dir=Path(os.environ.get("SERVELO_DATA_DIR", ".servelo")),
        env=os.environ.get("SERVELO_ENV", "development"),
        gateway_port=port,
        services=available_services(os.environ.get("SERVELO_SERVICES")),
        database_url=os.environ.get("SERVELO_DATABASE_URL") or None,
        nats_url=os.environ.get("SERVELO_NATS_URL") or None,
        base_domain=os.environ.get("SERVELO_BASE_DOMAIN", "localhost"),
        system_org=os.environ.get("SERVELO_SYSTEM_ADMIN_ORG", "admin"),
        admin_email=os.environ.get("SERVELO_BOOTSTRAP_ADMIN_EMAIL", "admin@servelo.local"),
        admin_password=os.environ.get("SERVELO_BOOTSTRAP_ADMIN_PASSWORD") or None,
        smtp_url=os.environ.get("SERVELO_SMTP_URL") or None,
    )
    stack = Stack(config)
    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print("Starting Servelo (Postgres, NATS, services, gateway)...", flush=True)
    try:
        stack.start()
    except Exception as exc:
        print(f"\nServelo failed to start: {exc}", file=sys.stderr)
        stack.stop()
        sys.exit(1)
    host = f"{config.system_org}.{config.base_domain}:{port}"
    print(
        f"""
Servelo is running.
  API:          http://{host}/api/...   (tenant = first label of the host name)
  OpenAPI:      http://127.0.0.1:{port}/api/openapi.json
  System admin: {config.admin_email} / {stack.admin_password}  (org "{config.system_org}")
  Services:     {", ".join(f"{n}:{p.port}" for n, p in stack.processes.items())}
  Logs:         {stack.data_dir}/logs/   Mail (no SMTP set): {stack.data_dir}/mail/

Try:
  curl -s http://127.0.0.1:{port}/api/auth/login -H 'Host: {host}' \\
       -H 'Content-Type: application/json' \\
       -d '{{"email": "{config.admin_email}", "password": "{stack.admin_password}"}}'

Ctrl-C stops everything.
""",
        flush=True,
    )
    try:
        while not stopping:
            dead = stack.dead_processes()
            if dead:
                for name in dead:
                    print(f"{name} stopped unexpectedly:\n{stack.log_tail(name)}", file=sys.stderr)
                break
            time.sleep(0.5)
    finally:
        print("Stopping Servelo...", flush=True)
        stack.stop()
    sys.exit(1 if not stopping else 0)


if __name__ == "__main__":
    main()
