"""`serve`: the process that runs a service settles its cyclic GC once the app has started
(in a process of its own here: freezing the test process would keep its garbage until some
later test collects it)."""

import subprocess
import sys

PROBE = """
import asyncio, gc, os
from contextlib import asynccontextmanager
from starlette.applications import Starlette
from servelo_common import serve

@asynccontextmanager
async def lifespan(app):
    print("starting", gc.get_threshold()[0], gc.get_freeze_count() > 0)
    yield

def create_app():
    return Starlette(lifespan=lifespan)

async def main():
    os.environ[serve.FACTORY_ENV] = "__main__:create_app"
    app = serve.settled_app()
    inbox, outbox = asyncio.Queue(), asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    print((await outbox.get())["type"], gc.get_threshold()[0], gc.get_freeze_count() > 0)
    await inbox.put({"type": "lifespan.shutdown"})
    await outbox.get()
    await task

asyncio.run(main())
"""


def test_the_gc_is_settled_once_the_app_has_started() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    ).stdout.splitlines()
    assert out == [
        "starting 700 False",
        "lifespan.startup.complete 50000 True",
    ]
