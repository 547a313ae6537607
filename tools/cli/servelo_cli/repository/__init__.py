"""The CLI's SQL: keyword-only functions taking a connection, one module per table family.

A connection is in one service's schema as that service's role (`Target.connect(service)`),
except `catalog`, which reads Postgres' own catalogs as the administrator.
"""

from __future__ import annotations

from typing import TypeAlias

import asyncpg

Record: TypeAlias = asyncpg.Record
