"""`servelo orgs list|create|suspend|resume|delete`: the system admin's `/api/admin/orgs`,
through auth's own use cases (servelo_cli.auth_ctx), never SQL of the CLI's own."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from auth.domain.orgs import Org
from auth.schemas.orgs import OrgCreate, OrgPublic, OrgUpdate
from auth.service import orgs as service
from pydantic import ValidationError
from servelo_common.errors import ApiError, validation_errors
from servelo_common.pagination import MAX_LIMIT, PageRequest

from servelo_cli.auth_ctx import auth_context, cli_error
from servelo_cli.output import CliError, Exit, Out, table
from servelo_cli.target import target_of

BASE_DOMAIN = "SERVELO_BASE_DOMAIN"


def public(org: Org) -> dict[str, Any]:
    """The org as the API shows it."""
    return OrgPublic.model_validate(org).to_json()


def _show(orgs: list[dict[str, Any]]) -> None:
    table(
        ["SLUG", "NAME", "PLAN", "ACTIVE", "USERS", "CREATED", "ID"],
        [
            [
                o["slug"],
                o["name"],
                o["plan"],
                o["active"],
                o["user_count"],
                o["created_at"],
                o["id"],
            ]
            for o in orgs
        ],
    )


def _invalid(exc: ValidationError) -> CliError:
    return CliError(
        "Validation failed",
        code="validation_failed",
        exit=Exit.USAGE,
        details={"errors": validation_errors(exc)},
    )


async def list_orgs(args: argparse.Namespace, out: Out) -> Exit:
    found: list[Org] = []
    async with auth_context(target_of(args)) as (ctx, ident):
        cursor: list[Any] | None = None
        while True:  # every page, keyset-paged as the API pages them
            page = await service.list_orgs(ctx, ident=ident, page=PageRequest(MAX_LIMIT, cursor))
            found.extend(page[:MAX_LIMIT])
            if len(page) <= MAX_LIMIT:
                break
            last = page[MAX_LIMIT - 1]
            cursor = [last.created_at, last.id]
    shown = [public(o) for o in found]
    out.result(shown, lambda: _show(shown))
    return Exit.OK


def _password(args: argparse.Namespace) -> str | None:
    if not args.admin_password_stdin:
        return None
    if sys.stdin.isatty():
        line = getpass.getpass("Admin password: ")
    else:
        line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise CliError("no password on stdin", code="validation_failed", exit=Exit.USAGE)
    return line


async def create(args: argparse.Namespace, out: Out) -> Exit:
    admin: dict[str, Any] = {"email": args.admin_email, "name": args.admin_name}
    password = _password(args)
    if password is not None:
        admin["password"] = password
    try:
        data = OrgCreate.model_validate(
            {"slug": args.slug, "name": args.name, "plan": args.plan, "admin": admin}
        )
    except ValidationError as exc:
        raise _invalid(exc) from exc
    target = target_of(args)
    if password is None and target.stack is None and not target.environ.get(BASE_DOMAIN):
        # The invitation's link is built from the CLI's settings, not auth's.
        raise CliError(
            f"the invitation mailed to {args.admin_email} would link to"
            f" {args.slug}.localhost: set {BASE_DOMAIN} (and SERVELO_PUBLIC_SCHEME,"
            " SERVELO_PUBLIC_PORT) as auth has them, or give the admin a password with"
            " --admin-password-stdin",
            code="invalid_settings",
            exit=Exit.USAGE,
        )
    async with auth_context(target) as (ctx, ident):
        try:
            org = await service.create_org(ctx, ident=ident, data=data)
        except ApiError as exc:
            raise cli_error(exc) from exc
    shown = public(org)
    out.result(shown, lambda: _show([shown]))
    how = "with the password given" if password else "invited: a sign-in link is mailed"
    out.note(f"Created {org.slug}; its admin {args.admin_email} is {how}.")
    return Exit.OK


async def _set_active(args: argparse.Namespace, out: Out, *, active: bool) -> Exit:
    async with auth_context(target_of(args)) as (ctx, ident):
        try:
            org = await service.update_org(
                ctx, ident=ident, slug=args.slug, data=OrgUpdate.model_validate({"active": active})
            )
        except ApiError as exc:
            raise cli_error(exc) from exc
    shown = public(org)
    out.result(shown, lambda: _show([shown]))
    if not active:
        out.note(f"{org.slug} is suspended: its tokens are revoked, its users get 403.")
    return Exit.OK


async def suspend(args: argparse.Namespace, out: Out) -> Exit:
    return await _set_active(args, out, active=False)


async def resume(args: argparse.Namespace, out: Out) -> Exit:
    return await _set_active(args, out, active=True)


def _confirm_deletion(args: argparse.Namespace) -> None:
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise CliError(
            "deleting an org removes all its data in every service: add --yes",
            code="confirmation_required",
            exit=Exit.USAGE,
        )
    typed = input(f"Delete {args.slug} and all its data in every service? Type its slug: ")
    if typed.strip() != args.slug:
        raise CliError("not confirmed", code="confirmation_required", exit=Exit.USAGE)


async def delete(args: argparse.Namespace, out: Out) -> Exit:
    _confirm_deletion(args)
    async with auth_context(target_of(args)) as (ctx, ident):
        try:
            await service.delete_org(ctx, ident=ident, slug=args.slug)
        except ApiError as exc:
            raise cli_error(exc) from exc
    message = "Organization deleted successfully"
    out.result({"message": message, "slug": args.slug}, lambda: print(message))
    out.note("Every other service purges its rows when it receives org-deleted.")
    return Exit.OK
