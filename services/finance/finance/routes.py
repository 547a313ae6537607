"""Route table: revenue and expense entries (one set of endpoints each) and the summary."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from servelo_common.etag import if_match
from servelo_common.http import (
    body,
    caller,
    json,
    message,
    path_id,
    query,
    require_role,
    resource,
)
from servelo_common.idempotency import idempotent
from servelo_common.pagination import page_request, page_response
from servelo_common.routing import IDEMPOTENCY_KEY, IF_MATCH, Tag, api_route
from servelo_common.schemas import ApiInput, ApiOutput
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from finance import service
from finance.schemas import (
    ExpenseCreate,
    ExpensePublic,
    ExpenseQuery,
    ExpenseUpdate,
    RevenueCreate,
    RevenuePublic,
    RevenueQuery,
    RevenueUpdate,
    SummaryPublic,
    SummaryQuery,
)
from finance.service import EXPENSES, REVENUE, Ledger


def ledger_routes(
    ledger: Ledger[Any],
    path: str,
    *,
    create: type[ApiInput],
    update: type[ApiInput],
    public: type[ApiOutput],
    filters: type[ApiInput],
    noun: str,
    tag: Tag,
) -> list[Route]:
    """The five endpoints of one ledger; only the schemas and wording differ."""

    async def list_entries(request: Request) -> Response:
        ident = caller(request)
        q = query(request, filters)
        pr = page_request(request, key_types=(date, UUID), sync_id=UUID)
        found = await ledger.list_entries(request.state.db, ident=ident, query=q, page=pr)
        return page_response(request, found, pr, lambda e: (e.date, e.id), public)

    async def create_entry(request: Request) -> Response:
        ident = caller(request)

        async def run() -> Response:
            data = await body(request, create)
            entry = await ledger.create_entry(request.state.db, ident=ident, data=data)
            return resource(public, entry, status=201)

        return await idempotent(request, run)

    async def get_entry(request: Request) -> Response:
        ident = caller(request)
        entry_id = path_id(request, message=ledger.not_found)
        entry = await ledger.get_entry(request.state.db, ident=ident, entry_id=entry_id)
        return resource(public, entry)

    async def update_entry(request: Request) -> Response:
        ident = caller(request)
        entry_id = path_id(request, message=ledger.not_found)
        data = await body(request, update)
        entry = await ledger.update_entry(
            request.state.db,
            ident=ident,
            entry_id=entry_id,
            data=data,
            precondition=if_match(request),
        )
        return resource(public, entry)

    async def delete_entry(request: Request) -> Response:
        ident = require_role(request, "admin")
        entry_id = path_id(request, message=ledger.not_found)
        await ledger.delete_entry(request.state.db, ident=ident, entry_id=entry_id)
        return message(f"{noun} deleted")

    tags = [tag]
    plural = "Revenue" if noun == "Revenue" else f"{noun}s"  # operation ids: listExpenses
    item = f"{path}/{{id}}"
    return [
        api_route(
            path,
            list_entries,
            methods=["GET"],
            query=filters,
            response=public,
            list_response=True,
            sync=True,
            tags=tags,
            summary=f"List {noun.lower()} entries (newest date first)",
            operation_id=f"list{plural}",
        ),
        api_route(
            path,
            create_entry,
            methods=["POST"],
            body=create,
            response=public,
            status=201,
            headers=[IDEMPOTENCY_KEY],
            etag=True,
            tags=tags,
            summary=f"Record a {noun.lower()} entry",
            operation_id=f"create{noun}",
        ),
        api_route(
            item,
            get_entry,
            methods=["GET"],
            response=public,
            etag=True,
            tags=tags,
            summary=f"Get one {noun.lower()} entry",
            operation_id=f"get{noun}",
        ),
        api_route(
            item,
            update_entry,
            methods=["PUT", "PATCH"],
            body=update,
            response=public,
            headers=[IF_MATCH],
            etag=True,
            tags=tags,
            summary=f"Update a {noun.lower()} entry (fields sent only)",
            operation_id=f"update{noun}",
        ),
        api_route(
            item,
            delete_entry,
            methods=["DELETE"],
            tags=tags,
            summary=f"Delete a {noun.lower()} entry (admin only)",
            operation_id=f"delete{noun}",
        ),
    ]


async def finance_summary(request: Request) -> Response:
    """Revenue, expenses and profit per month or per category, in the org's currency."""
    ident = caller(request)
    q = query(request, SummaryQuery)
    summary = await service.summarize_ledgers(request.state.db, ident=ident, query=q)
    return json(SummaryPublic.model_validate(summary))


ROUTES = [
    *ledger_routes(
        REVENUE,
        "/api/revenue",
        create=RevenueCreate,
        update=RevenueUpdate,
        public=RevenuePublic,
        filters=RevenueQuery,
        noun="Revenue",
        tag=Tag(
            "revenue",
            "Money in: one entry per payment (or pending payment), optionally for a client;"
            " an accepted quote records its revenue by itself.",
        ),
    ),
    *ledger_routes(
        EXPENSES,
        "/api/expenses",
        create=ExpenseCreate,
        update=ExpenseUpdate,
        public=ExpensePublic,
        filters=ExpenseQuery,
        noun="Expense",
        tag=Tag("expenses", "Money out: one entry per cost, with its vendor and category."),
    ),
    api_route(
        "/api/finance/summary",
        finance_summary,
        methods=["GET"],
        query=SummaryQuery,
        response=SummaryPublic,
        tags=[Tag("finance", "Revenue, expenses and profit over a period, in the org's currency.")],
    ),
]
