"""asyncpg SQL on the `tickets` schema: keyword-only functions taking a connection, one
module per resource (`tickets`, `comments`, `photos`), the copy of auth's users (`users`),
and the org purge (`orgs`); the copy of crm's customers is `servelo_common.replicas`.
SQL text comes only from constants of these modules (hence the `noqa: S608`), built with
`servelo_common.sql.Where`; values are always bound parameters.
"""
