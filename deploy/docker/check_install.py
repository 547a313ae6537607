"""Build-time check of an image's virtualenv: `python check_install.py <module> <source>`.

Fails the build rather than the first start: the package imports from site-packages (not
from the source tree), and for a service (its source folder has `migrations/`) `<module>.main`
imports and the SQL migrations are inside the installed package, where
`servelo_common.migrate.package_migrations` finds them (hatch force-include in the
service's pyproject.toml). Nothing dev-only is installed (servelo-dev, its servers, pytest).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

# The dev stack and the test plugin (servelo-dev) and what only they need never ship.
DEV_ONLY = ("servelo_dev", "pgserver", "pytest")


def main() -> None:
    module, source = sys.argv[1], sys.argv[2]
    shipped = [name for name in DEV_ONLY if importlib.util.find_spec(name) is not None]
    if shipped:
        sys.exit(f"{module}: the image installs dev-only packages: {', '.join(shipped)}")
    package = importlib.import_module(module)
    if package.__file__ is None:
        sys.exit(f"{module} is a namespace package, not an installed one")
    installed = Path(package.__file__).resolve().parent
    if "site-packages" not in installed.parts:
        sys.exit(f"{module} is not imported from site-packages: {installed}")
    if not Path(source, "migrations").is_dir():
        print(f"ok: {module} at {installed}")
        return
    from servelo_common.migrate import package_migrations

    importlib.import_module(f"{module}.main")
    found = package_migrations(package.__file__)
    if found != installed / "migrations":
        sys.exit(f"{module}: migrations are not inside the installed package: {found}")
    files = sorted(p.name for p in found.glob("*.sql"))
    if not files:
        sys.exit(f"{module}: no .sql files in {found}")
    print(f"ok: {module} at {installed}, migrations {', '.join(files)}")


if __name__ == "__main__":
    main()
