"""Read a document file into pages of raw text, or say clearly why it cannot be read.

PDF (by content, not by name) through pypdf, page by page; ``.txt`` and ``.md`` as text,
split into pages at form feeds. Every refusal is a DocumentError naming the file.

    >>> pages, warnings = read_document(Path("corpus/2023-06-15-news-first-monitoring-visit.txt"))
    >>> pages[0].number is None
    True
"""

from __future__ import annotations

import io
import logging
import unicodedata
from collections.abc import Callable
from pathlib import Path

from rag.errors import DocumentError
from rag.records import Page

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
PDF_SUFFIXES = {".pdf"}
MAX_PDF_CHARS = 20_000_000  # extracted text; a real report is well under 1 MB
SUPPORTED = TEXT_SUFFIXES | PDF_SUFFIXES
PageProgress = Callable[[int, int], None]  # (pages read, pages in the file)


def sniff(data: bytes, name: str) -> str:
    """'pdf' or 'text' judged by content (the name only breaks ties), else DocumentError."""
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    suffix = Path(name).suffix.lower()
    if suffix in PDF_SUFFIXES:
        raise DocumentError(name, "not a PDF (no %PDF header): the file is corrupt or misnamed")
    if suffix not in TEXT_SUFFIXES:
        raise DocumentError(
            name, f"unsupported file type '{suffix or 'no extension'}'", help="use PDF, .txt or .md"
        )
    return "text"


def read_bytes(path: Path, max_bytes: int = 100 * 2**20) -> bytes:
    """The file's bytes, or a DocumentError saying why not (missing, empty, too large)."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(path, f"file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:g} MB limit")
        data = path.read_bytes()
    except FileNotFoundError:
        raise DocumentError(path, "file not found (moved or deleted while ingesting?)") from None
    except IsADirectoryError:
        raise DocumentError(path, "is a folder, not a file") from None
    except OSError as exc:
        raise DocumentError(path, f"cannot read file: {exc.strerror or exc}") from None
    if not data:
        raise DocumentError(path, "empty file (0 bytes)")
    return data


def read_document(path: Path, max_bytes: int = 100 * 2**20, max_pages: int = 2000, data: bytes | None = None, on_page: PageProgress | None = None) -> tuple[list[Page], list[str]]:
    """Pages of raw text and any warnings (e.g. 'decoded as Windows-1252').

    ``data``: the file's bytes when the caller has read them already (with ``read_bytes``),
    so what is hashed is exactly what is parsed even if the file changes meanwhile.
    ``on_page(done, total)`` is called after each PDF page (progress for a long file)."""
    return _parse(path, read_bytes(path, max_bytes) if data is None else data, max_pages, on_page)


def _parse(path: Path, data: bytes, max_pages: int, on_page: PageProgress | None = None) -> tuple[list[Page], list[str]]:
    kind = sniff(data, str(path))
    if kind == "pdf":
        return read_pdf(data, path, max_pages, on_page), []
    text, warnings = decode_text(data, path)
    return [Page(None, t) for t in text.split("\f")] if "\f" in text else [Page(None, text)], warnings


def decode_text(data: bytes, path: Path | str) -> tuple[str, list[str]]:
    """Text from bytes: UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252
    with a warning. Binary data is refused."""
    warnings: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise DocumentError(path, "claims UTF-16 (byte order mark) but is not valid UTF-16") from None
        warnings.append(f"{path}: decoded as UTF-16")
    elif b"\x00" in data[:8192]:
        raise DocumentError(path, "binary data, not text (contains NUL bytes)")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            text = data.decode("cp1252", errors="replace")
            warnings.append(
                f"{path}: not UTF-8 (byte {exc.start}); decoded as Windows-1252/Latin-1, check accents"
            )
    if not text.strip():
        raise DocumentError(path, "no text in file (only whitespace)")
    sample = text[:20000]
    odd = sum(1 for ch in sample if unicodedata.category(ch) in {"Cc", "Co", "Cn", "Cs"} and ch not in "\n\r\t\f")
    odd += sample.count("\ufffd")
    if odd / max(1, len(sample)) > 0.05:
        raise DocumentError(path, "binary data, not text (too many control characters)")
    return text, warnings


def read_pdf(data: bytes, path: Path | str, max_pages: int = 2000, on_page: PageProgress | None = None) -> list[Page]:
    """Pages of a PDF via pypdf, 1-based page numbers kept."""
    import pypdf
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PdfReadError, PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except (DependencyError, NotImplementedError) as exc:
                raise DocumentError(path, f"encrypted PDF with an unsupported cipher: {exc}") from None
            if not ok:
                raise DocumentError(
                    path,
                    "encrypted PDF: it needs a password",
                    help="save an unprotected copy and ingest that",
                )
        count = len(reader.pages)
        if count == 0:
            raise DocumentError(path, "PDF has no pages")
        if count > max_pages:
            raise DocumentError(path, f"PDF has {count} pages, over the limit of {max_pages}")
        pages = []
        total = 0
        for i, page in enumerate(reader.pages):
            text = page.extract_text() or ""
            total += len(text)
            if total > MAX_PDF_CHARS:
                raise DocumentError(path, f"PDF text exceeds {MAX_PDF_CHARS:,} characters by page {i + 1}: too large to index")
            pages.append(Page(i + 1, text))
            if on_page:
                on_page(i + 1, count)
    except DocumentError:
        raise
    except LimitReachedError as exc:
        raise DocumentError(path, f"PDF refused: a stream decompresses past pypdf's safety limit ({exc})", help="a decompression bomb, or a PDF too large to index") from None
    except FileNotDecryptedError:
        raise DocumentError(path, "encrypted PDF: it needs a password", help="save an unprotected copy and ingest that") from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError) as exc:
        raise DocumentError(path, f"corrupt PDF: {type(exc).__name__}: {exc}".rstrip(": ")) from None
    except MemoryError:
        raise DocumentError(path, "PDF too large to read (memory exhausted)") from None
    except PyPdfError as exc:
        raise DocumentError(path, f"corrupt PDF: {type(exc).__name__}: {exc}") from None
    if sum(len(p.text.strip()) for p in pages) < 20:
        raise DocumentError(
            path,
            "PDF has no text layer (a scanned image?)",
            help="OCR it first, e.g. `ocrmypdf in.pdf out.pdf`, then ingest the result",
        )
    return pages
