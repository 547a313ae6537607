"""`servelo keys` as a subprocess: a file, the environment and make run's secrets.json."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from servelo_cli.keys import KeySet
from servelo_common.jwt import parse_signing_keys

from .conftest import clean_env, run_cli


def kids(value: str) -> list[str]:
    return [k.kid for k in parse_signing_keys(value)]


async def test_generate_prints_a_value_auth_reads() -> None:
    result = await run_cli("keys", "generate", env=clean_env())
    assert result.code == 0, result
    assert len(kids(result.stdout)) == 1  # only the value on stdout: `> jwt-keys.json`


async def test_rotate_a_file_in_place_keeping_the_old_key(tmp_path: Path) -> None:
    file = tmp_path / "jwt-keys.json"
    file.write_text(KeySet.generate().value())
    (old,) = kids(file.read_text())

    result = await run_cli("keys", "rotate", "--file", str(file), "--json", env=clean_env())
    assert result.code == 0, result
    new, kept = kids(file.read_text())
    assert kept == old and new != old
    assert "value" not in result.json  # written: the private keys stay off stdout
    assert result.json["keys"] == [
        {"kid": new, "use": "signs and verifies"},
        {"kid": old, "use": "verifies"},
    ]
    assert stat.S_IMODE(file.stat().st_mode) == 0o600

    # Step 3, later: the retired key goes; the signing key cannot.
    refused = await run_cli("keys", "remove", new, "--file", str(file), env=clean_env())
    assert refused.code == 1 and "signing key" in refused.stderr
    removed = await run_cli("keys", "remove", old, "--file", str(file), env=clean_env())
    assert removed.code == 0, removed
    assert kids(file.read_text()) == [new]


async def test_stage_then_promote(tmp_path: Path) -> None:
    file = tmp_path / "keys.json"
    file.write_text(KeySet.generate().value())
    (old,) = kids(file.read_text())
    staged = await run_cli("keys", "rotate", "--stage", "--file", str(file), env=clean_env())
    assert staged.code == 0, staged
    signing, published = kids(file.read_text())
    assert signing == old
    assert "--promote" in staged.stderr
    promoted = await run_cli("keys", "rotate", "--promote", "--file", str(file), env=clean_env())
    assert promoted.code == 0, promoted
    assert kids(file.read_text()) == [published, old]


async def test_rotate_the_environment_prints_the_new_value() -> None:
    value = KeySet.generate().value()
    result = await run_cli("keys", "rotate", env=clean_env({"SERVELO_JWT_KEYS": value}))
    assert result.code == 0, result
    assert kids(result.stdout)[1:] == kids(value)


async def test_rotate_make_runs_secrets_in_place(tmp_path: Path) -> None:
    value = KeySet.generate().value()
    secrets_file = tmp_path / "secrets.json"
    secrets_file.write_text(json.dumps({"jwt_keys": value, "internal_secret": "dev-x"}))
    result = await run_cli("keys", "rotate", "--data-dir", str(tmp_path), env=clean_env())
    assert result.code == 0, result
    saved = json.loads(secrets_file.read_text())
    assert saved["internal_secret"] == "dev-x"
    assert kids(saved["jwt_keys"])[1:] == kids(value)
    assert "Restart `make run`" in result.stderr


async def test_no_key_set_and_a_bad_one_are_clear(tmp_path: Path) -> None:
    none = await run_cli("keys", "list", "--data-dir", str(tmp_path), env=clean_env())
    assert none.code == 2 and "no key set" in none.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    result = await run_cli("keys", "rotate", "--file", str(bad), "--json", env=clean_env())
    assert result.code == 1
    assert result.json["code"] == "invalid_keys"
    assert bad.read_text() == "[]"  # untouched
