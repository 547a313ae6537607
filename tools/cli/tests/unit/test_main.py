"""servelo_cli.main: the global options go before or after the command."""

from __future__ import annotations

import subprocess
import sys

import pytest
from servelo_cli.main import run
from servelo_cli.parser import build_parser


@pytest.mark.parametrize(
    "argv",
    [
        ["--json", "--data-dir", "/x", "outbox", "status"],
        ["outbox", "status", "--json", "--data-dir", "/x"],
        ["--data-dir", "/x", "outbox", "status", "--json"],
    ],
)
def test_global_options_anywhere(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert args.json is True
    assert args.data_dir == "/x"


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        run(["orgs", "frobnicate"])
    assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_keys_and_help_load_no_database_nats_or_auth_code() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from servelo_cli.main import run\n"
        "quiet = io.StringIO()\n"
        "with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):\n"
        "    assert run(['keys', 'generate']) == 0\n"
        "loaded = {'asyncpg', 'nats', 'auth', 'aiohttp'} & {m.split('.')[0] for m in sys.modules}\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
