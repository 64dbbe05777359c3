"""Real PDFs for tests, made with fpdf2 (text layer, scanned, encrypted, corrupt)."""

from __future__ import annotations

import io
from pathlib import Path

_LATIN1 = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "◼": "-", "•": "-", "¹": "", "²": "", "³": "", "\t": "  "})


def make_pdf(path: Path, pages: list[str]) -> Path:
    """A PDF whose page i holds pages[i] as real text."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=9)
    for text in pages:
        pdf.add_page()
        pdf.set_xy(10, 10)
        safe = text.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")
        pdf.multi_cell(190, 4, safe)
    path.write_bytes(bytes(pdf.output()))
    return path


def make_scanned_pdf(path: Path, pages: int = 2) -> Path:
    """Pages with drawings but no text layer, as a scanner makes them."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    for _ in range(pages):
        pdf.add_page()
        for i in range(20):
            pdf.rect(10 + i * 3, 20 + i * 5, 100, 2, style="F")
    path.write_bytes(bytes(pdf.output()))
    return path


def encrypt_pdf(src: Path, dest: Path, user_password: str) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    dest.write_bytes(buf.getvalue())
    return dest


def split_pages(text: str, lines_per_page: int = 55, width: int = 110) -> list[str]:
    """Lay text out in pages roughly as a printed report would be."""
    import textwrap

    lines: list[str] = []
    for para in text.split("\n"):
        lines.extend(textwrap.wrap(para, width) or [""])
    return ["\n".join(lines[i : i + lines_per_page]) for i in range(0, len(lines), lines_per_page)]


def make_page_bomb_pdf(path: Path, pages: int, mb_per_page: float) -> Path:
    """A small PDF whose every page's content stream decodes to ``mb_per_page`` MB (one line
    of text, then spaces): each stream under pypdf's per-stream cap, the file far over any
    sane total. Written by hand so nothing here ever holds the decoded pages."""
    import zlib

    block = b" " * 2**20
    packed = []
    for i in range(pages):  # compressed a megabyte at a time: the test never holds a page
        z = zlib.compressobj(9)
        parts = [z.compress(b"BT /F1 12 Tf 72 712 Td (Page %d of the bomb) Tj ET\n" % i)]
        parts += [z.compress(block) for _ in range(int(mb_per_page))]
        packed.append(b"".join(parts) + z.compress(b" " * int((mb_per_page % 1) * 2**20)) + z.flush())
    return _raw_pdf(path, packed, compressed=True)


def make_repeated_text_pdf(path: Path, line: str, times: int, pages: int = 20) -> Path:
    """A few-kB PDF whose pages draw ``line`` ``times`` times in all: megabytes of text."""
    each = -(-times // pages)
    text = line.replace("\\", "").replace("(", "").replace(")", "").encode("latin-1")
    draw = b"BT /F1 9 Tf 20 800 Td 11 TL " + (b"(" + text + b") ' ") * each + b"ET\n"
    return _raw_pdf(path, [draw] * pages)


def _raw_pdf(path: Path, contents: list[bytes], compressed: bool = False) -> Path:
    """A PDF with one Helvetica page per content stream (Flate-compressed), written by hand."""
    import zlib

    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for content in contents:
        packed = content if compressed else zlib.compress(content, 9)
        kids.append(b"%d 0 R" % (len(objects) + 1))
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                       b"/Contents %d 0 R >>" % (len(objects) + 2))
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream")
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(contents)
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path
