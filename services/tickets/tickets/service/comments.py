"""Comment use cases: add (the author is the caller) and list, on a live ticket."""

from __future__ import annotations

import uuid
from uuid import UUID

from asyncpg import Pool
from servelo_common.db import tenant_tx
from servelo_common.events import emit
from servelo_common.identity import Identity
from servelo_common.jsonutil import iso_z
from servelo_common.pagination import PageRequest

from tickets.domain import Comment
from tickets.events import TicketCommentAdded
from tickets.repository import comments as repo
from tickets.schemas import CommentCreate
from tickets.service import actor
from tickets.service.tickets import require_ticket


async def add_comment(
    pool: Pool, *, ident: Identity, ticket_id: UUID, data: CommentCreate
) -> Comment:
    org_id, user_id = actor(ident)
    async with tenant_tx(pool, org_id) as conn:
        await require_ticket(conn, org_id=org_id, ticket_id=ticket_id)
        row = await repo.insert_comment(
            conn,
            org_id=org_id,
            comment_id=uuid.uuid4(),
            ticket_id=ticket_id,
            author_id=user_id,
            body=data.body,
        )
        comment = Comment.from_row(row)
        await emit(
            conn,
            TicketCommentAdded(
                id=str(comment.id),
                ticket_id=str(ticket_id),
                author_id=str(user_id),
                body=comment.body,
                created_at=iso_z(comment.created_at),
            ),
            tenant=org_id,
            subject=ticket_id,
        )
    return comment


async def list_comments(
    pool: Pool, *, ident: Identity, ticket_id: UUID, page: PageRequest
) -> list[Comment]:
    org_id = ident.org_uuid
    async with tenant_tx(pool, org_id, readonly=True) as conn:
        await require_ticket(conn, org_id=org_id, ticket_id=ticket_id)
        rows = await repo.list_comments(
            conn,
            org_id=org_id,
            ticket_id=ticket_id,
            after=page.cursor,
            limit=page.limit + 1,
            since=page.since,
        )
    return [Comment.from_row(r) for r in rows]
