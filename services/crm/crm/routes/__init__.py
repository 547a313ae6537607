"""HTTP routes: identity -> schema -> service -> response. Deletes are admin only.

One module per resource, each with its route table; `ROUTES` is all of them.
"""

from __future__ import annotations

from crm.routes import customers, quotes

ROUTES = [*customers.ROUTES, *quotes.ROUTES]
