"""A plain PDF of a quote (text lines in Helvetica), attached to the quote mail.

Hand-written PDF 1.4 rather than a dependency: the quote is a few dozen lines of text, and
the format needed for that is small (catalog, pages, one standard font, content streams,
cross-reference table). Characters outside Windows-1252 print as `?`.
"""

from __future__ import annotations

from collections.abc import Sequence

LINES_PER_PAGE = 50
_PAGE = (612, 792)  # US Letter in points
_LEFT, _TOP, _LEADING, _SIZE = 56, 740, 13, 10
_MAX_CHARS = 95


def _pdf_text(line: str) -> bytes:
    line = "".join(c if c.isprintable() else " " for c in line[:_MAX_CHARS])
    raw = line.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _content(lines: Sequence[str], title: str | None) -> bytes:
    ops = [b"BT", f"/F1 {_SIZE} Tf {_LEADING} TL {_LEFT} {_TOP} Td".encode()]
    if title is not None:
        ops += [b"/F2 16 Tf (" + _pdf_text(title) + b") Tj T* T*", f"/F1 {_SIZE} Tf".encode()]
    ops += [b"(" + _pdf_text(line) + b") Tj T*" for line in lines]
    ops.append(b"ET")
    return b"\n".join(ops)


def render_pdf(title: str, lines: Sequence[str]) -> bytes:
    """One document: `title` on top of the first page, `lines` below, paginated."""
    chunks = [
        list(lines[i : i + LINES_PER_PAGE]) for i in range(0, max(len(lines), 1), LINES_PER_PAGE)
    ] or [[]]
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the page object numbers are known
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    ]
    kids = []
    for index, chunk in enumerate(chunks):
        stream = _content(chunk, title if index == 0 else None)
        objects.append(
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream"
        )
        content_ref = len(objects)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {_PAGE[0]} {_PAGE[1]}]"
            f" /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >>"
            f" /Contents {content_ref} 0 R >>".encode()
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)
