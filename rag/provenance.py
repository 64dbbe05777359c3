"""Where a document came from: the curated corpus, or a user's upload, and whether an
administrator has accepted the upload for answers.

A file in the uploads folder is an upload however it was indexed (the app, ``rag ingest``,
a rebuild), dated by when it was stored there. Readers are told so ("uploaded by a user on
3 March 2025") in the library, the sources, citations and exports. Answers come from the
curated documents (the corpus, and uploads an administrator accepted) first; an upload
waiting for acceptance is quoted only when they do not answer (``answer.uploads =
"after_curated"``), or never (``"accepted_only"``). Acceptance is kept by the file's content
hash in the uploads folder (``.accepted.json``), so a rebuild keeps it and a changed file
must be accepted again.

    >>> origin_of(Path("uploads/new-letter-ab12cd34ef.pdf"), "ab12...", settings)  # doctest: +SKIP
    Origin(uploaded='2025-03-03', accepted='')
    >>> accept(["new-letter-ab12cd34ef"], settings)                                # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from rag.errors import QuestionError, RagError
from rag.records import Answer
from rag.settings import Settings
from rag.store import ChromaStore, DocRecord, Filters

LEDGER = ".accepted.json"  # in the uploads folder; a dot-file, so never ingested itself
_HASH_SUFFIX = re.compile(r"-[0-9a-f]{10}$")  # the content hash rag.ui.uploads.safe_name adds


@dataclass(frozen=True)
class Origin:
    """``uploaded``: ISO date a user uploaded the file ("" for the curated corpus);
    ``accepted``: when an administrator accepted it for answers ("" while it waits)."""

    uploaded: str = ""
    accepted: str = ""


def is_upload(path: Path, settings: Settings) -> bool:
    try:
        path.resolve().relative_to(settings.uploads_dir.resolve())
        return True
    except ValueError:
        return False


def origin_of(path: Path, file_hash: str, settings: Settings) -> Origin:
    """The origin of a file about to be indexed (its bytes hash to ``file_hash``)."""
    if not is_upload(path, settings):
        return Origin()
    try:
        stored = dt.date.fromtimestamp(path.stat().st_mtime).isoformat()
    except OSError:
        stored = dt.date.today().isoformat()
    return Origin(stored, ledger(settings).get(file_hash, {}).get("accepted", ""))


def upload_title(path: Path) -> str:
    """A title from an upload's stored name, without the content hash it was stored under."""
    return _HASH_SUFFIX.sub("", path.stem).replace("-", " ").replace("_", " ").strip().capitalize() or path.stem


def trusted(doc: DocRecord) -> bool:
    """Curated, or an upload an administrator accepted."""
    return not doc.uploaded or bool(doc.accepted)


def curated_only(filters: Filters, documents: Sequence[DocRecord]) -> Filters | None:
    """``filters`` narrowed to the trusted documents, or None when nothing waits for
    acceptance (the filters stand as they are). The narrowed filters may admit no document."""
    if all(trusted(d) for d in documents):
        return None
    keep = tuple(d.doc_id for d in documents if trusted(d) and (not filters.doc_ids or d.doc_id in filters.doc_ids))
    return replace(filters, doc_ids=keep)


def mark(answer: Answer, documents: Sequence[DocRecord]) -> Answer:
    """The answer with every citation and timeline block of an upload carrying its date."""
    uploaded = {d.doc_id: d.uploaded for d in documents if d.uploaded}
    if not uploaded:
        return answer
    answer.citations = [replace(c, uploaded=uploaded.get(c.doc_id, "")) for c in answer.citations]
    if answer.timeline is not None:
        answer.timeline = [replace(t, uploaded=uploaded.get(t.doc_id, "")) for t in answer.timeline]
    return answer


# -- acceptance -------------------------------------------------------------------------------


def ledger(settings: Settings) -> dict[str, dict[str, str]]:
    """file content hash -> {"accepted": ISO time, "doc_id": ...}; {} when there is none."""
    path = settings.uploads_dir / LEDGER
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise RagError(f"cannot read the acceptance record {path}: {exc}", help="restore it from a backup, or accept the uploads again") from None
    return data if isinstance(data, dict) else {}


def accept(doc_ids: Sequence[str], settings: Settings, store: ChromaStore) -> list[DocRecord]:
    """Accept uploaded documents for answers; returns them as the catalog now holds them."""
    docs = {d.doc_id: d for d in store.documents()}
    unknown = [i for i in doc_ids if i not in docs]
    if unknown:
        raise QuestionError("doc_id", f"not in the library: {', '.join(unknown)} (`rag docs` lists the documents)")
    curated = [i for i in doc_ids if not docs[i].uploaded]
    if curated:
        raise QuestionError("doc_id", f"not an upload (curated documents need no acceptance): {', '.join(curated)}")
    when = dt.datetime.now().isoformat(timespec="seconds")
    record = ledger(settings)
    for doc_id in doc_ids:
        record[docs[doc_id].file_hash] = {"accepted": docs[doc_id].accepted or when, "doc_id": doc_id}
    _write_ledger(settings, record)
    for doc_id in doc_ids:
        if not docs[doc_id].accepted:
            store.set_accepted(doc_id, when)
    fresh = {d.doc_id: d for d in store.documents()}
    return [fresh[i] for i in doc_ids]


def _write_ledger(settings: Settings, record: dict[str, dict[str, str]]) -> None:
    folder = settings.uploads_dir
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".accepted-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record, fh, indent=1, sort_keys=True)
        os.replace(tmp, folder / LEDGER)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise RagError(f"cannot record the acceptance in {folder}: {exc.strerror or exc}", help="check RAG_UPLOADS_DIR is writable") from None
