"""asyncpg SQL on the `finance` schema. Keyword-only; the service owns the transaction.

`ledgers`: the revenue and expense entries (one set of queries for both tables) and the
summary over them; `orgs`: per-org state kept from auth's events (currency) and the purge.
The copy of crm's customers is `servelo_common.replicas`, shared with tickets and team.
SQL text comes only from constants and whitelisted column names (hence the `noqa: S608`);
every value is a bound parameter.
"""
