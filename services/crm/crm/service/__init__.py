"""Use cases. Each owns one transaction: repository writes and their events together.

Every function has the one signature (docs/architecture.md): the pool, then keyword-only
`ident` (the tenant is `ident.org_id`), the ids, then `data` / `query` / `page`; they
return domain objects (`crm.domain`), which the routes turn into `XPublic`.
"""

from __future__ import annotations

from servelo_common.etag import Precondition

__all__ = ["Precondition"]
