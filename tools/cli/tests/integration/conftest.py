"""The `servelo` CLI as a real subprocess against the session's test stack.

`cli(...)` runs `python -m servelo_cli` with the stack's data folder (the embedded servers,
found through its runtime.json, as for `make run`) and none of the caller's SERVELO_*
variables; `env=` adds some (SERVELO_DATABASE_URL, ...) for the environment path.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

import pytest
from servelo_dev.testing.scratch import scratch_schema


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"exit {self.code}\nstdout: {self.stdout}\nstderr: {self.stderr}"


class Cli(Protocol):
    async def __call__(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        stdin: str | None = None,
        data_dir: bool = True,
        timeout: float = 90,
    ) -> Result: ...


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVELO_")}
    env.update(extra or {})
    return env


async def run_cli(
    *args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 90
) -> Result:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "servelo_cli",
        *args,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(
            proc.communicate(stdin.encode() if stdin is not None else b""), timeout
        )
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode is not None
    return Result(proc.returncode, out.decode(), err.decode())


@pytest.fixture
def cli(stack: Any) -> Cli:
    folder = str(stack.stack.data_dir)

    async def call(
        *args: str,
        env: dict[str, str] | None = None,
        stdin: str | None = None,
        data_dir: bool = True,
        timeout: float = 90,
    ) -> Result:
        where = ["--data-dir", folder] if data_dir else []
        return await run_cli(*args, *where, env=clean_env(env), stdin=stdin, timeout=timeout)

    return call


@dataclass
class Scratch:
    """A schema of its own, provisioned and migrated like a service's, unknown to the stack."""

    schema: str
    database: str
    dsn: str  # as its own role
    admin_env: dict[str, str]  # the environment path: the administrator URL and NATS

    @property
    def args(self) -> list[str]:
        """The CLI options for its database and role (<schema>_<schema>); commands that go
        over every service also need `--service <schema>`."""
        return ["--role-prefix", self.schema, "--database", self.database]


@pytest.fixture
async def scratch(stack: Any) -> AsyncIterator[Scratch]:
    async with scratch_schema(stack, prefix="cli") as (schema, dsn):
        env = {"SERVELO_DATABASE_URL": stack.admin_dsn, "SERVELO_NATS_URL": stack.nats_url}
        yield Scratch(schema, stack.stack.config.database, dsn, env)
