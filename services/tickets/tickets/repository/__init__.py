"""asyncpg SQL on the `tickets` schema: keyword-only functions taking a connection, one
module per resource (`tickets`, `comments`, `photos`) and per copy of another service's data
(`users`, `customers`), plus the org purge (`orgs`). SQL text comes only from constants of
these modules (hence the `noqa: S608`), built with `servelo_common.sql.Where`; values are
always bound parameters.
"""
