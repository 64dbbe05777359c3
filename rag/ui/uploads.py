"""Files staff upload in the app: checked, stored under safe names, then ingested.

The client's file name is only ever shown, never used as a path: a file is kept as
``<slug of its name>-<content hash>.<type by content>`` in ``settings.uploads_dir``, so
``../../etc/passwd`` cannot escape the folder and the same file uploaded twice is one
document. A file refused here, or failing to ingest, leaves nothing behind: neither in
the uploads folder (a copy of a document already there is not kept; a file whose upload was
killed before it reached the library is removed by the next upload or start-up, see
:func:`sweep_pending`) nor in Gradio's temp folder (deleted once processed).

    >>> results = add_uploads([Path("/tmp/gradio/ab12/report.pdf")], settings)  # doctest: +SKIP
    >>> results[0].status, results[0].detail                                   # doctest: +SKIP
    ('indexed', 'indexed: 12 passages, as ...')
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rag.errors import DocumentError, RagError
from rag.faults import crash_point
from rag.load import PDF_SUFFIXES, decode_text, sniff
from rag.settings import Settings
from rag.text import slug
from rag.ui.guard import discard_incoming
from rag.vocabulary import format_date

Progress = Callable[[int, int, str], None]
FileStages = Callable[[int, str, float], None]  # (index of the uploaded file, stage, share done)
MARKDOWN_SUFFIXES = {".md", ".markdown"}
PENDING = ".pending"  # in the uploads folder: one marker per file being stored and indexed
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class UploadResult:
    """What happened to one uploaded file; ``name`` is the client's name, for display."""

    name: str
    status: str  # indexed | replaced | unchanged | failed
    detail: str
    doc_id: str = ""

    @property
    def row(self) -> list[str]:
        return [self.name, self.status, self.detail]


def display_name(client_name: str) -> str:
    """The last component of whatever the client sent, printable, for showing only."""
    name = re.split(r"[\\/]", str(client_name))[-1]
    name = _CONTROL.sub("", name).strip()
    return name[:120] or "unnamed file"


def safe_name(client_name: str, data: bytes, kind: str) -> str:
    """'<slug>-<hash>.<ext>': only [a-z0-9-.], the extension chosen by content."""
    shown = display_name(client_name)
    stem = slug(Path(shown).stem)[:50].strip("-") or "upload"
    if kind == "pdf":
        ext = ".pdf"
    else:
        ext = ".md" if Path(shown).suffix.lower() in MARKDOWN_SUFFIXES else ".txt"
    return f"{stem}-{hashlib.sha256(data).hexdigest()[:10]}{ext}"


def check(client_name: str, data: bytes, max_bytes: int) -> str:
    """The file's type ('pdf' or 'text') judged by content, or DocumentError naming it."""
    shown = display_name(client_name)
    if not data:
        raise DocumentError(shown, "empty file (0 bytes)")
    if len(data) > max_bytes:
        raise _too_big(shown, len(data), max_bytes)
    if not data[:1024].lstrip().startswith(b"%PDF-") and Path(shown).suffix.lower() in PDF_SUFFIXES:
        raise DocumentError(shown, "not a PDF: the file is corrupt or misnamed (no %PDF header)")
    kind = sniff(data, shown)
    if kind == "text":
        decode_text(data, shown)  # refuses binary data early, with the same message ingest gives
    return kind


def store(client_name: str, data: bytes, kind: str, uploads_dir: Path) -> tuple[Path, bool]:
    """Write ``data`` under its safe name; returns the path and whether it is new."""
    folder = uploads_dir.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe_name(client_name, data, kind)
    if target.parent != folder:  # cannot happen with safe_name; a guard, not a code path
        raise DocumentError(display_name(client_name), "unsafe file name")
    if target.exists() and target.read_bytes() == data:
        return target, False
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise RagError(
            f"cannot store the upload in {folder}: {exc.strerror or exc}", help="check RAG_UPLOADS_DIR is writable"
        ) from None
    return target, True


def add_uploads(
    files: Sequence[str | Path], settings: Settings, progress: Progress | None = None, stages: FileStages | None = None
) -> list[UploadResult]:
    """Check, store and ingest uploaded files (server-side temp paths); one result each.
    ``stages(i, stage, done)`` follows file ``i`` through ingest's stages (pipeline.STAGES).

    The display name is the temp file's base name (the client's name as the web server
    kept it). Refused files are reported and skipped; the others are ingested together.
    """
    sweep_pending(settings)
    markers: list[Path] = []
    try:
        return _store_and_ingest(files, settings, progress, markers, stages)
    finally:
        for marker in markers:
            marker.unlink(missing_ok=True)
        discard_incoming(files, settings)


def _store_and_ingest(
    files: Sequence[str | Path], settings: Settings, progress: Progress | None, markers: list[Path], stages: FileStages | None = None
) -> list[UploadResult]:
    import rag

    max_bytes = int(settings.app.upload_max_mb * 2**20)
    results: dict[int, UploadResult] = {}
    stored: dict[str, tuple[int, str, bool]] = {}  # stored path -> (index, display name, new?)
    for i, f in enumerate(files):
        shown = display_name(Path(f).name)
        try:
            size = Path(f).stat().st_size
            if size > max_bytes:  # before reading a huge file into memory
                raise _too_big(shown, size, max_bytes)
            data = Path(f).read_bytes()
            kind = check(shown, data, max_bytes)
            markers.append(mark_pending(settings.uploads_dir, safe_name(shown, data, kind)))
            path, new = store(shown, data, kind, settings.uploads_dir)
            crash_point("upload-stored")
        except DocumentError as exc:
            results[i] = UploadResult(shown, "failed", _reason(exc))
            continue
        except OSError as exc:
            results[i] = UploadResult(shown, "failed", f"cannot read the uploaded file: {exc.strerror or exc}")
            continue
        except RagError as exc:
            results[i] = UploadResult(shown, "failed", str(exc))
            continue
        stored[str(path)] = (i, shown, new)

    if stored:
        def relay(i: int, n: int, path: str) -> None:
            if progress:
                progress(i, n, stored.get(path, (0, path, False))[1])

        titles = {p: Path(shown).stem.replace("_", " ").replace("-", " ").strip() or shown for p, (_, shown, _) in stored.items()}

        def relay_stage(path: str, stage: str, done: float) -> None:
            if stages and path in stored:
                stages(stored[path][0], stage, done)

        report = rag.ingest(list(stored), settings, progress=relay, titles=titles, stages=relay_stage)
        catalog = {d.doc_id: d for d in rag.documents(settings)}
        for fr in report.files:
            if fr.path not in stored:
                continue
            i, shown, new = stored[fr.path]
            if fr.status == "failed":
                if new:
                    Path(fr.path).unlink(missing_ok=True)
                results[i] = UploadResult(shown, "failed", fr.message or "could not be indexed")
                continue
            if fr.status == "duplicate":  # the same file under another name: keep one copy
                if new:
                    Path(fr.path).unlink(missing_ok=True)
                results[i] = UploadResult(shown, "unchanged", f"already in the library: {fr.message}")
                continue
            doc = catalog.get(fr.doc_id)
            about = f"\u201c{doc.title}\u201d ({doc.kind}, {format_date(doc.date) or 'undated'})" if doc else fr.doc_id
            detail = (
                f"already in the library as {about}"
                if fr.status == "unchanged"
                else f"{fr.status}: {fr.chunks} passages, as {about}"
            )
            warnings = [w.replace(fr.path, shown) for w in report.warnings if fr.path in w]
            results[i] = UploadResult(shown, fr.status, "; ".join([detail, *warnings]), fr.doc_id)
    return [results[i] for i in sorted(results)]


# -- uploads a kill interrupted --------------------------------------------------------------


def mark_pending(uploads_dir: Path, name: str) -> Path:
    """Note that ``name`` is being stored and indexed by this process (see sweep_pending)."""
    folder = uploads_dir.resolve() / PENDING
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / f"{name}.json"
    marker.write_text(json.dumps({"owner": _process_token(), "at": time.time()}))
    return marker


def sweep_pending(settings: Settings) -> list[Path]:
    """Remove uploads whose storing or indexing was killed: a marker left behind by a process
    that is gone (or, on another machine, older than RAG_SWEEP_AFTER_S), for a file the
    library does not list. A file the library lists is kept; the marker goes either way.
    Returns the files removed."""
    import rag

    folder = settings.uploads_dir.resolve() / PENDING
    if not folder.is_dir():
        return []
    removed: list[Path] = []
    catalog: set[str] | None = None
    for marker in sorted(folder.glob("*.json")):
        try:
            note = json.loads(marker.read_text())
        except (OSError, ValueError):
            note = {}
        owner, at = str(note.get("owner", "")), float(note.get("at", 0) or 0)
        if _alive(owner) and time.time() - at < settings.sweep_after_s:
            continue  # an upload in progress
        if catalog is None:
            catalog = {d.path for d in rag.documents(settings)}
        upload = settings.uploads_dir.resolve() / marker.name.removesuffix(".json")
        if upload.exists() and str(upload) not in catalog:
            upload.unlink(missing_ok=True)
            removed.append(upload)
        marker.unlink(missing_ok=True)
    return removed


def _process_token() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{_start_time(os.getpid())}"


def _start_time(pid: int) -> str:
    """When process ``pid`` started (Linux: clock ticks after boot), '' when unknown, so a
    reused process id is not mistaken for the process that wrote a marker."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _alive(owner: str) -> bool:
    """Is the process that wrote a marker still running? On another machine: unknown, so
    only the marker's age decides."""
    host, _, rest = owner.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname():
        return True
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return not started or _start_time(int(pid)) == started


def _too_big(shown: str, size: int, max_bytes: int) -> DocumentError:
    return DocumentError(shown, f"file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:g} MB upload limit")


def _reason(exc: DocumentError) -> str:
    return exc.reason + (f" ({exc.help})" if exc.help else "")
