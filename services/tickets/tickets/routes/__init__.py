"""HTTP routes: identity -> schema -> service -> response, one module per resource
(`tickets`, `comments`, `photos`; `upload` reads a photo's multipart body). `ROUTES` is
all of their tables."""

from __future__ import annotations

from tickets.routes import comments, photos, tickets

ROUTES = [*tickets.ROUTES, *comments.ROUTES, *photos.ROUTES]
