"""The hand-written PDF is well formed: objects where the xref says, pages as counted."""

import re

import pytest
from crm.quote_pdf import LINES_PER_PAGE, render_pdf


def _check_structure(pdf: bytes) -> int:
    assert pdf.startswith(b"%PDF-1.4\n") and pdf.endswith(b"%%EOF\n")
    startxref = int(re.search(rb"startxref\n(\d+)\n", pdf).group(1))  # type: ignore[union-attr]
    assert pdf[startxref:].startswith(b"xref\n")
    count = int(re.search(rb"xref\n0 (\d+)\n", pdf).group(1))  # type: ignore[union-attr]
    offsets = re.findall(rb"(\d{10}) 00000 n \n", pdf)
    assert len(offsets) == count - 1
    for number, offset in enumerate(offsets, 1):
        assert pdf[int(offset) :].startswith(f"{number} 0 obj\n".encode())
    for length, stream in re.findall(
        rb"<< /Length (\d+) >>\nstream\n(.*?)\nendstream", pdf, flags=re.S
    ):
        assert int(length) == len(stream)
    return int(re.search(rb"/Count (\d+)", pdf).group(1))  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("lines", "pages"),
    [(0, 1), (1, 1), (LINES_PER_PAGE, 1), (LINES_PER_PAGE + 1, 2), (3 * LINES_PER_PAGE, 3)],
)
def test_pages_and_cross_references_are_consistent(lines: int, pages: int) -> None:
    pdf = render_pdf("Quote #1", [f"line {i}" for i in range(lines)])
    assert _check_structure(pdf) == pages


def test_special_characters_are_escaped_or_replaced() -> None:
    pdf = render_pdf("Quote", ["a (b) c\\d", "caf\u00e9 \u20ac5", "\u4e2d\u6587", "x\ny"])
    _check_structure(pdf)
    assert b"(a \\(b\\) c\\\\d) Tj" in pdf
    assert b"(caf\xe9 \x805) Tj" in pdf  # Windows-1252
    assert b"(??) Tj" in pdf  # not representable
    assert b"(x y) Tj" in pdf  # control characters become spaces
