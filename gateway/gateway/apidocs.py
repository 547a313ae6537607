"""The API docs page at /api/docs: Swagger UI over /api/openapi.json, served by the gateway.

Swagger UI's files come from the `swagger-ui-bundle-v2` wheel (installed with the gateway, no
other host at run time). Each file the page needs is read once, on the first docs request,
and answered from memory after that. A request names an asset by its exact file name in a
fixed table, so no request path ever reaches the file system (`..` is refused earlier, by
routing.canonical_path).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable

PAGE = b"/api/docs"
ASSETS = b"/api/docs/assets/"

# Where the wheel keeps its files (its version is pinned in gateway/pyproject.toml).
SWAGGER_UI = files("swagger_ui_bundle").joinpath("vendor", "swagger-ui-5.31.0")

# Everything the page loads is ours or Swagger UI's, from this origin. Swagger UI's stylesheet
# draws its icons as data: URIs; "Try it out" calls this origin's API (connect-src).
CSP = (
    b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    b"font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    b"frame-ancestors 'none'"
)

_TYPES = {
    b"css": b"text/css; charset=utf-8",
    b"js": b"text/javascript; charset=utf-8",
    b"png": b"image/png",
}
# Swagger UI's files, by the name the page asks for.
_VENDOR = (b"swagger-ui.css", b"swagger-ui-bundle.js", b"index.css", b"favicon-32x32.png")

# Our own start-up script: a page under a strict CSP runs no inline script.
_INIT_JS = b"""\
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
"""

_PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Servelo API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css?v={v}">
<link rel="stylesheet" href="/api/docs/assets/index.css?v={v}">
<link rel="icon" type="image/png" href="/api/docs/assets/favicon-32x32.png?v={v}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js?v={v}"></script>
<script src="/api/docs/assets/servelo-docs.js?v={v}"></script>
</body>
</html>
"""


@dataclass(frozen=True, slots=True)
class Answer:
    """A local answer's body and its header lines (after Content-Type, before the length)."""

    ctype: bytes  # the whole `Content-Type: ...\\r\\n` line
    headers: bytes
    body: bytes


def _answer(ctype: bytes, headers: bytes, body: bytes) -> Answer:
    nosniff = b"X-Content-Type-Options: nosniff\r\n"  # a .js is never taken for anything else
    return Answer(b"Content-Type: " + ctype + b"\r\n", nosniff + headers, body)


class DocsSite:
    """The page and its assets as cached answers, loaded on first use."""

    def __init__(self, root: Traversable = SWAGGER_UI) -> None:
        self.root = root
        self._page: Answer | None = None
        self._assets: dict[bytes, Answer] = {}

    def page(self) -> Answer:
        if self._page is None:
            self._load()
        assert self._page is not None
        return self._page

    def asset(self, name: bytes) -> Answer | None:
        if self._page is None:
            self._load()
        return self._assets.get(name)

    def _load(self) -> None:
        files = {name: self.root.joinpath(name.decode()).read_bytes() for name in _VENDOR}
        files[b"servelo-docs.js"] = _INIT_JS
        # The assets' URLs carry a digest of their bytes, so browsers may keep them for good:
        # another wheel or another start-up script is another URL.
        digest = hashlib.sha256()
        for name in sorted(files):
            digest.update(name + b"\0" + files[name])
        version = digest.hexdigest()[:16]
        forever = b"Cache-Control: public, max-age=31536000, immutable\r\n"
        self._assets = {
            name: _answer(_TYPES[name.rsplit(b".", 1)[1]], forever, body)
            for name, body in files.items()
        }
        self._page = _answer(
            b"text/html; charset=utf-8",
            b"Cache-Control: no-cache\r\nContent-Security-Policy: " + CSP + b"\r\n",
            _PAGE.format(v=version).encode(),
        )
