"""`servelo keys generate|list|rotate|remove`: the `SERVELO_JWT_KEYS` value auth signs with.

The value is read from (and written back to) `--file PATH`; else `SERVELO_JWT_KEYS` (the
new value is printed: an environment cannot be written); else make run's data folder
(`secrets.json`, rewritten in place; restart `make run` to use it).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

from servelo_common.jwt import SigningKey
from servelo_dev.devstack import runtime

from servelo_cli.keys import KeySet, KeySetError
from servelo_cli.output import CliError, Exit, Out, table

VARIABLE = "SERVELO_JWT_KEYS"


@dataclass(frozen=True)
class Source:
    """Where the key set lives: a file, the environment, or make run's secrets.json."""

    kind: str  # "file" | "environment" | "data-dir"
    path: Path | None
    value: str

    @property
    def writable(self) -> bool:
        return self.kind != "environment"

    def describe(self) -> str:
        return str(self.path) if self.path else VARIABLE


def read_source(args: argparse.Namespace) -> Source:
    if args.file:
        path = Path(args.file)
        try:
            return Source("file", path, path.read_text().strip())
        except OSError as exc:
            raise CliError(f"cannot read {path}: {exc.strerror}", code="not_found") from exc
    if os.environ.get(VARIABLE):
        return Source("environment", None, os.environ[VARIABLE])
    folder = Path(
        getattr(args, "data_dir", None) or os.environ.get("SERVELO_DATA_DIR") or ".servelo"
    )
    value = runtime.stack_secrets(folder).get("jwt_keys")
    if value:
        return Source("data-dir", folder / "secrets.json", value)
    raise CliError(
        f"no key set: pass --file PATH, set {VARIABLE}, or run in the folder of `make run`"
        f" (no {folder / 'secrets.json'} here)",
        code="not_found",
        exit=Exit.USAGE,
    )


def write_source(source: Source, keys: KeySet) -> None:
    assert source.path is not None
    if source.kind == "data-dir":
        runtime.set_stack_secret(source.path.parent, "jwt_keys", keys.value())
        return
    partial = source.path.with_name(source.path.name + ".tmp")
    partial.write_text(keys.value() + "\n")
    partial.chmod(0o600)  # private keys
    os.replace(partial, source.path)


def parse(source: Source) -> KeySet:
    try:
        return KeySet.parse(source.value)
    except KeySetError as exc:
        raise CliError(f"{source.describe()}: {exc}", code="invalid_keys") from exc


async def generate(args: argparse.Namespace, out: Out) -> Exit:
    keys = KeySet.generate()
    out.result(
        {"value": keys.value(), "keys": keys.summary()},
        lambda: print(keys.value()),
    )
    out.note(f"A new {VARIABLE} value with one key ({keys.signing.kid}).")
    return Exit.OK


async def list_keys(args: argparse.Namespace, out: Out) -> Exit:
    source = read_source(args)
    keys = parse(source)
    out.result(
        {"source": source.describe(), "keys": keys.summary()},
        lambda: table(["KID", "USE"], [[k["kid"], k["use"]] for k in keys.summary()]),
    )
    return Exit.OK


async def rotate(args: argparse.Namespace, out: Out) -> Exit:
    source = read_source(args)
    current = parse(source)
    try:
        if args.promote:
            changed = current.promoted()
        elif args.stage:
            changed = current.staged(SigningKey.generate())
        else:
            changed = current.rotated(SigningKey.generate())
    except KeySetError as exc:
        raise CliError(str(exc), code="conflict") from exc
    return _save(source, changed, out, _next_step(args, source, changed))


async def remove(args: argparse.Namespace, out: Out) -> Exit:
    source = read_source(args)
    try:
        changed = parse(source).without(args.kid)
    except KeySetError as exc:
        raise CliError(str(exc), code="conflict") from exc
    return _save(source, changed, out, f"{args.kid} removed: tokens it signed no longer verify.")


def _next_step(args: argparse.Namespace, source: Source, keys: KeySet) -> str:
    apply = "Restart `make run`" if source.kind == "data-dir" else "Apply it (auth restarts)"
    if args.stage:
        return (
            f"{keys.keys[1].kid} is published but does not sign yet. {apply}, wait 5 minutes"
            " (SERVELO_JWKS_REFRESH_INTERVAL), then `servelo keys rotate --promote`."
        )
    old = keys.keys[1].kid
    return (
        f"{keys.signing.kid} signs now; {old} still verifies. {apply}; after 15 minutes plus"
        f" a margin, `servelo keys remove {old}`."
    )


def _save(source: Source, keys: KeySet, out: Out, hint: str) -> Exit:
    data: dict[str, object] = {"source": source.describe(), "keys": keys.summary()}
    if source.writable:
        write_source(source, keys)
        data["written"] = str(source.path)
        out.result(
            data, lambda: table(["KID", "USE"], [[k["kid"], k["use"]] for k in keys.summary()])
        )
        out.note(f"Written to {source.path}. {hint}")
    else:
        data["value"] = keys.value()
        out.result(data, lambda: print(keys.value()))
        out.note(f"The new {VARIABLE} value is on stdout (store it where auth reads it). {hint}")
    return Exit.OK
