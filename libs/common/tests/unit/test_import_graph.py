"""No import cycle among servelo_common's modules (TYPE_CHECKING imports included), and
the cycle finder itself finds one."""

from __future__ import annotations

from pathlib import Path

import servelo_common
from servelo_dev.testing.imports import cycles, import_graph

COMMON = Path(servelo_common.__file__).resolve().parent


def test_servelo_common_has_no_import_cycle() -> None:
    graph = import_graph(COMMON, "servelo_common")
    assert len(graph) > 30 and any(graph.values())
    assert cycles(graph) == []


def test_a_cycle_is_found_through_relative_and_type_checking_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.sub import b\n")
    (pkg / "sub" / "b.py").write_text("from . import c\n")
    (pkg / "sub" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..a import X\n"
    )
    (pkg / "d.py").write_text("import pkg.a\n")
    graph = import_graph(pkg, "pkg")
    assert graph["pkg.sub.b"] == {"pkg.sub.c"} and graph["pkg.sub.c"] == {"pkg.a"}
    assert cycles(graph) == [["pkg.a", "pkg.sub.b", "pkg.sub.c"]]
