"""asyncpg SQL on the `finance` schema. Keyword-only; the service owns the transaction.

`ledgers`: the revenue and expense entries (one set of queries for both tables) and the
summary over them; `customers`: the copy of crm's customers; `orgs`: per-org state kept
from auth's events (currency) and the purge. SQL text comes only from constants and
whitelisted column names (hence the `noqa: S608`); every value is a bound parameter.
"""
