"""A bench's generated report in a docs page, with the hand-written history kept below it."""

from __future__ import annotations

from pathlib import Path

MARK_START, MARK_END = "<!-- latest run: generated -->", "<!-- end of latest run -->"


def keep_history(path: Path, report: str) -> None:
    """Replace the generated latest run; the hand-written history below it stays (a page
    without the marks gets the run on top of what it had)."""
    block = f"{MARK_START}\n{report}{MARK_END}\n"
    old = path.read_text() if path.exists() else ""
    if MARK_START in old and MARK_END in old:
        before, rest = old.split(MARK_START, 1)
        after = rest.split(MARK_END, 1)[1].lstrip("\n")
        path.write_text(before + block + "\n" + after)
    else:
        path.write_text(block + "\n" + old)
