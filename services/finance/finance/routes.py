"""Route table: revenue and expense entries (one set of endpoints each) and the summary."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from servelo_common.endpoints import (
    create_endpoint,
    delete_endpoint,
    get_endpoint,
    list_endpoint,
    update_endpoint,
)
from servelo_common.http import caller, json, query
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

    lower = noun.lower()
    not_found = ledger.not_found
    list_entries = list_endpoint(
        ledger.list_entries,
        query=filters,
        public=public,
        key=lambda e: (e.date, e.id),
        key_types=(date, UUID),
        sync_id=UUID,
        doc=f"List {lower} entries (newest date first)",
    )
    create_entry = create_endpoint(
        ledger.create_entry,
        body=create,
        public=public,
        idempotent=True,
        doc=f"Record a {lower} entry",
    )
    get_entry = get_endpoint(
        ledger.get_entry,
        id="entry_id",
        not_found=not_found,
        public=public,
        doc=f"Get one {lower} entry",
    )
    update_entry = update_endpoint(
        ledger.update_entry,
        id="entry_id",
        not_found=not_found,
        body=update,
        public=public,
        precondition=True,
        doc=f"Update a {lower} entry (fields sent only)",
    )
    delete_entry = delete_endpoint(
        ledger.delete_entry,
        id="entry_id",
        not_found=not_found,
        roles=("admin",),
        message=f"{noun} deleted",
        doc=f"Delete a {lower} entry (admin only)",
    )

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
            operation_id=f"create{noun}",
        ),
        api_route(
            item,
            get_entry,
            methods=["GET"],
            response=public,
            etag=True,
            tags=tags,
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
            operation_id=f"update{noun}",
        ),
        api_route(
            item,
            delete_entry,
            methods=["DELETE"],
            tags=tags,
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
