"""What can be typed: every command, its options and its help, in one place.

Each action names its implementation as `"<module>:<function>"` of `servelo_cli.commands`,
imported only when it runs: `servelo --help` or `servelo keys ...` does not load the
database, NATS and auth code the other commands need.
"""

from __future__ import annotations

import argparse
from typing import TypeAlias

EPILOG = """\
where: SERVELO_DATABASE_URL (an administrator URL, as for `make run`) and SERVELO_NATS_URL,
else the embedded servers of make run's data folder (--data-dir, SERVELO_DATA_DIR, .servelo).
exit codes: 0 ok, 1 failed or refused, 2 usage, 3 Postgres/NATS unavailable, 4 timed out.
"""
Actions: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def common_options() -> argparse.ArgumentParser:
    """Options every command takes, before or after it. SUPPRESS: a sub-command's parser does
    not overwrite a value the main parser already read."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="one JSON document"
    )
    common.add_argument(
        "--data-dir",
        default=argparse.SUPPRESS,
        metavar="DIR",
        help="make run's data folder (default: $SERVELO_DATA_DIR or .servelo)",
    )
    common.add_argument(
        "--database",
        default=argparse.SUPPRESS,
        metavar="NAME",
        help="the platform database (default: make run's, else servelo)",
    )
    common.add_argument(
        "--role-prefix",
        default=argparse.SUPPRESS,
        metavar="PREFIX",
        help="services' roles are <prefix>_<service> (default: make run's, else servelo)",
    )
    return common


def _action(
    actions: Actions, common: argparse.ArgumentParser, name: str, run: str, text: str
) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, parents=[common], help=text)
    parser.set_defaults(run=run)
    return parser


def _group(groups: Actions, name: str, text: str) -> Actions:
    return groups.add_parser(name, help=text).add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )


def _services(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--service",
        action="append",
        metavar="NAME",
        help="only this service (repeatable); default: every service of the platform",
    )


def _orgs(groups: Actions, common: argparse.ArgumentParser) -> None:
    actions = _group(groups, "orgs", "tenants: list, create, suspend, resume, delete")
    _action(actions, common, "list", "orgs:list_orgs", "every org, newest first")
    p = _action(actions, common, "create", "orgs:create", "an org with its first admin")
    p.add_argument("slug")
    p.add_argument("--name", required=True)
    p.add_argument("--plan", default="free")
    p.add_argument("--admin-email", required=True)
    p.add_argument("--admin-name", required=True)
    p.add_argument(
        "--admin-password-stdin",
        action="store_true",
        help="read the admin's password from the first line of stdin; without it the admin"
        " is invited by a mailed sign-in link",
    )
    text = "refuse every token and sign-in of the org (403)"
    _action(actions, common, "suspend", "orgs:suspend", text).add_argument("slug")
    text = "let the org's users sign in again"
    _action(actions, common, "resume", "orgs:resume", text).add_argument("slug")
    p = _action(actions, common, "delete", "orgs:delete", "the org and all its data, everywhere")
    p.add_argument("slug")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def _keys(groups: Actions, common: argparse.ArgumentParser) -> None:
    actions = _group(groups, "keys", "auth's JWT signing keys (SERVELO_JWT_KEYS)")

    def source(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
        parser.add_argument(
            "--file",
            metavar="PATH",
            help="a file holding the value (rewritten in place); default: $SERVELO_JWT_KEYS,"
            " else make run's data folder",
        )
        return parser

    _action(actions, common, "generate", "keys:generate", "print a new value with one key")
    source(_action(actions, common, "list", "keys:list_keys", "the keys of a value"))
    text = "a new signing key, the old ones kept to verify"
    p = source(_action(actions, common, "rotate", "keys:rotate", text))
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--stage", action="store_true", help="add the new key second (published, not signing)"
    )
    how.add_argument("--promote", action="store_true", help="make the second key the signing key")
    text = "drop a retired (verify-only) key"
    source(_action(actions, common, "remove", "keys:remove", text)).add_argument("kid")


def _outbox(groups: Actions, common: argparse.ArgumentParser) -> None:
    actions = _group(groups, "outbox", "events waiting in the services' outboxes")
    text = "pending events per service and the oldest one's age"
    p = _action(actions, common, "status", "outbox:status", text)
    _services(p)
    p.add_argument(
        "--rows", type=int, default=0, metavar="N", help="also show the first N rows in line"
    )
    p.add_argument(
        "--max-age",
        type=float,
        metavar="SECONDS",
        help="exit 1 when a service's oldest pending event is older (for scripts)",
    )


def _dead_letters(groups: Actions, common: argparse.ArgumentParser) -> None:
    actions = _group(groups, "dead-letters", "events a consumer gave up on")
    p = _action(actions, common, "list", "dead_letters:list_letters", "of every service")
    _services(p)
    p.add_argument("--consumer", metavar="DURABLE", help="only this consumer (team-tickets)")
    p.add_argument("--limit", type=int, default=100, help="per service (default 100)")
    p = _action(actions, common, "show", "dead_letters:show", "one, with its event")
    p.add_argument("id", help="<service>:<id>, as list shows it")
    text = "deliver again through the consumer that gave up on it"
    p = _action(actions, common, "replay", "dead_letters:replay_letters", text)
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--all", action="store_true", help="every dead letter (of --consumer)")
    _services(p)
    p.add_argument("--consumer", metavar="DURABLE", help="with --all: only this consumer")
    p.add_argument(
        "--wait",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="wait for the outcome this long (default 60; 0: publish and return)",
    )
    p = _action(actions, common, "discard", "dead_letters:discard", "drop them for good")
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def _migrate(groups: Actions, common: argparse.ArgumentParser) -> None:
    actions = _group(groups, "migrate", "the services' schema migrations")
    text = "applied and pending, per service"
    _services(_action(actions, common, "status", "migrate:status", text))
    text = "apply what is pending, per service"
    _services(_action(actions, common, "apply", "migrate:apply", text))


def _check(groups: Actions, common: argparse.ArgumentParser) -> None:
    text = "Postgres, NATS, roles, schemas, migrations and every component's readiness"
    p = _action(groups, common, "check", "check:check", text)
    _services(p)
    p.add_argument("--no-components", action="store_true", help="skip the components' /readyz")


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="servelo",
        description="Operate a Servelo platform.",
        epilog=EPILOG,
        parents=[common],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    groups = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_orgs, _keys, _outbox, _dead_letters, _migrate, _check):
        add(groups, common)
    return parser
