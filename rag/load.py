"""Read a document file into pages of raw text, or say clearly why it cannot be read.

PDF (by content, not by name) through pypdf, page by page; ``.txt`` and ``.md`` as text,
split into pages at form feeds. Every refusal is a DocumentError naming the file.

    >>> pages, warnings = read_document(Path("corpus/2023-06-15-news-first-monitoring-visit.txt"))
    >>> pages[0].number is None
    True
"""

from __future__ import annotations

import io
import re
import logging
import unicodedata
from collections.abc import Callable
from pathlib import Path

from rag.errors import DocumentError
from rag.records import Page

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
PDF_SUFFIXES = {".pdf"}
MAX_TEXT_CHARS = 5_000_000  # a real report is well under 1 MB of text
MAX_PDF_DECODED = 64 * 2**20  # bytes decoded from all of a PDF's page content; a report needs a few MB
MAX_CHARS_PER_BYTE = 20.0  # text files hold 1 per byte; a PDF's text is compressed a few times
MAX_FORM_INVOCATIONS = 1000  # form XObjects drawn per page during text extraction
SUPPORTED = TEXT_SUFFIXES | PDF_SUFFIXES
PageProgress = Callable[[int, int], None]  # (pages read, pages in the file)
# Streams text extraction never decodes: embedded font programs and the page tree upwards.
_UNREAD_KEYS = frozenset({"/Parent", "/FontFile", "/FontFile2", "/FontFile3", "/Thumb", "/Metadata"})


def sniff(data: bytes, name: str) -> str:
    """'pdf' or 'text' judged by content (the name only breaks ties), else DocumentError."""
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    suffix = Path(name).suffix.lower()
    if suffix in PDF_SUFFIXES:
        if re.match(rb"\s*(?:<!doctype\s+html|<html|<\?xml[^>]*>\s*<!doctype\s+html)", data[:1024], re.I):
            raise DocumentError(name, "not a PDF: a web page (HTML) saved under a .pdf name", help="download the PDF itself, or save the page as text")
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


def read_document(
    path: Path,
    max_bytes: int = 100 * 2**20,
    max_pages: int = 2000,
    data: bytes | None = None,
    *,
    max_decoded: int = MAX_PDF_DECODED,
    max_chars: int = MAX_TEXT_CHARS,
    max_chars_per_byte: float = MAX_CHARS_PER_BYTE,
    on_page: PageProgress | None = None,
) -> tuple[list[Page], list[str]]:
    """Pages of raw text and any warnings (e.g. 'decoded as Windows-1252').

    ``data``: the file's bytes when the caller has read them already (with ``read_bytes``),
    so what is hashed is exactly what is parsed even if the file changes meanwhile.
    ``max_decoded`` bounds the bytes a PDF's page content may decode to, over the whole file;
    ``max_chars`` the characters of text the file may hold, whatever its type, and
    ``max_chars_per_byte`` those per byte of the file (a PDF's text is compressed a few
    times at most; a small PDF drawing the same line thousands of times holds hundreds).
    ``on_page(done, total)`` is called after each PDF page (progress for a long file)."""
    data = read_bytes(path, max_bytes) if data is None else data
    kind = sniff(data, str(path))
    if kind == "pdf":
        return read_pdf(data, path, max_pages, max_decoded=max_decoded, max_chars=max_chars, max_chars_per_byte=max_chars_per_byte, on_page=on_page), []
    text, warnings = decode_text(data, path)
    if len(text) > max_chars:
        raise DocumentError(path, f"holds {len(text):,} characters of text, over the limit of {max_chars:,}: too large to index")
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


def read_pdf(
    data: bytes,
    path: Path | str,
    max_pages: int = 2000,
    *,
    max_decoded: int = MAX_PDF_DECODED,
    max_chars: int = MAX_TEXT_CHARS,
    max_chars_per_byte: float = MAX_CHARS_PER_BYTE,
    on_page: PageProgress | None = None,
) -> list[Page]:
    """Pages of a PDF via pypdf, 1-based page numbers kept.

    pypdf caps each stream (75 MB decoded), and keeps every stream it decodes, so a PDF of
    many pages each just under that cap takes gigabytes. Before any text is extracted, the
    content of every page is decoded once (one stream at a time, nothing kept) and the file
    is refused when the total passes ``max_decoded``. The extracted text is bounded over the
    whole file by ``max_chars`` and by ``max_chars_per_byte`` times the file's size, checked
    page by page so that extraction stops as soon as either is passed."""
    import pypdf
    from pypdf.errors import (
        FileNotDecryptedError,
        LimitReachedError,
        PdfReadError,
        PyPdfError,
    )

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        with pypdf.apply_configuration(**_pypdf_caps(max_decoded)):
            reader = pypdf.PdfReader(io.BytesIO(data))
            return _read_pdf(reader, path, max_pages, max_decoded, _TextBudget(max_chars, max_chars_per_byte, len(data)), on_page)
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


def _pypdf_caps(max_decoded: int) -> dict[str, int]:
    """pypdf's per-stream limits, none above the whole file's budget."""
    import pypdf

    defaults = pypdf.get_configuration()
    names = ("zlib_maximum_output_length", "lzw_maximum_output_length", "run_length_maximum_output_length",
             "brotli_maximum_output_length", "array_based_stream_maximum_output_length")
    caps = {n: min(getattr(defaults, n), max_decoded) for n in names if hasattr(defaults, n)}
    caps["xform_maximum_invocations_per_extraction"] = min(defaults.xform_maximum_invocations_per_extraction, MAX_FORM_INVOCATIONS)
    return caps


class _TextBudget:
    """The characters a file may hold: a ceiling, and a share of its size."""

    def __init__(self, max_chars: int, per_byte: float, file_bytes: int) -> None:
        self.per_byte, self.file_bytes = per_byte, file_bytes
        self.limit = min(max_chars, int(per_byte * file_bytes))
        self.by_size = self.limit < max_chars

    def refuse(self, path: Path | str, where: str) -> DocumentError:
        if self.by_size:
            return DocumentError(
                path,
                f"PDF text exceeds {self.limit:,} characters {where}: over {self.per_byte:g} per byte of a "
                f"{self.file_bytes / 1024:.1f} kB file, so text repeated to inflate it",
                help="real documents hold under 5 characters per byte; RAG_MAX_CHARS_PER_BYTE sets the limit",
            )
        return DocumentError(path, f"PDF text exceeds {self.limit:,} characters {where}: too large to index")


def _read_pdf(reader, path: Path | str, max_pages: int, max_decoded: int, budget: _TextBudget, on_page: PageProgress | None = None) -> list[Page]:  # noqa: ANN001
    from pypdf.errors import DependencyError

    if reader.is_encrypted:
        try:
            ok = reader.decrypt("")
        except (DependencyError, NotImplementedError) as exc:
            raise DocumentError(path, f"encrypted PDF with an unsupported cipher: {exc}") from None
        if not ok:
            raise DocumentError(path, "encrypted PDF: it needs a password", help="save an unprotected copy and ingest that")
    count = len(reader.pages)
    if count == 0:
        raise DocumentError(path, "PDF has no pages")
    if count > max_pages:
        raise DocumentError(path, f"PDF has {count} pages, over the limit of {max_pages}")
    check_decoded_size(reader, path, max_decoded)
    pages = []
    total = 0
    for i, page in enumerate(reader.pages):
        text = page.extract_text() or ""
        total += len(text)
        if total > budget.limit:
            raise budget.refuse(path, f"by page {i + 1}")
        pages.append(Page(i + 1, text))
        if on_page:
            on_page(i + 1, count)
    if sum(len(p.text.strip()) for p in pages) < 20:
        raise DocumentError(
            path,
            "PDF has no text layer (a scanned image?)",
            help="OCR it first, e.g. `ocrmypdf in.pdf out.pdf`, then ingest the result",
        )
    return pages


def check_decoded_size(reader, path: Path | str, max_decoded: int) -> int:  # noqa: ANN001
    """Bytes the pages' content decodes to (content streams, forms, fonts' maps), decoding
    one stream at a time and keeping none; DocumentError once the total passes
    ``max_decoded``. Images and embedded font programs are skipped: text extraction never
    decodes them. A stream shared by many pages counts once, as pypdf decodes it once."""
    from pypdf.errors import LimitReachedError
    from pypdf.filters import decode_stream_data
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

    seen: set[object] = set()
    total = 0
    for number, page in enumerate(reader.pages, start=1):
        todo = [page.get("/Contents"), page.get("/Resources")]
        while todo:
            obj = todo.pop()
            if isinstance(obj, IndirectObject):
                key = (obj.idnum, obj.generation)
                if key in seen:
                    continue
                seen.add(key)
                obj = obj.get_object()
            if isinstance(obj, DictionaryObject) and obj.get("/Subtype") == "/Image":
                continue
            if isinstance(obj, StreamObject):
                try:
                    total += len(decode_stream_data(obj))
                except LimitReachedError:
                    raise
                except Exception:  # a filter text extraction would not use either; not ours to judge
                    pass
                if total > max_decoded:
                    raise DocumentError(
                        path,
                        f"PDF content decodes to more than {max_decoded / 2**20:g} MB by page {number} of "
                        f"{len(reader.pages)}: too large to index",
                        help="a decompression bomb, or a PDF far larger than any report",
                    )
            if isinstance(obj, DictionaryObject):
                todo.extend(v for k, v in obj.items() if k not in _UNREAD_KEYS)
            elif isinstance(obj, ArrayObject):
                todo.extend(obj)
    return total
