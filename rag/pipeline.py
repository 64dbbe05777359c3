"""Wire the stages together; nothing here does a stage's work itself.

    ingest:  load -> metadata -> clean -> chunk -> embed -> store (+ BM25 follows)
    ask:     question -> retrieve -> answer (-> llm) -> citations
    brief:   topic -> retrieve -> answer (a timeline) -> briefing -> Brief (export writes it)

    >>> import rag
    >>> report = rag.ingest()                       # the corpus folder, incrementally
    >>> [p.chunk.doc_id for p in rag.search("caseloads in 2014", k=3)]  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from rag import answer as answer_stage
from rag import chunk as chunk_stage
from rag import clean as clean_stage
from rag import facts as facts_stage
from rag import limits, provenance
from rag.answer_facts import fact_lines
from rag.embed import Embedder, pack
from rag.errors import DocumentError, IndexStoreError, QuestionError, RagError
from rag.lexical import LexicalIndex
from rag.load import SUPPORTED, read_bytes, read_document, sniff
from rag.metadata import describe, load_manifest
from rag.question import Library, read_question
from rag.records import Answer, Brief, Chunk, CleanDoc, Passage
from rag.retrieve import Query, Retriever, plan
from rag.scope import scope_of
from rag.settings import FACTS_VERSION, ChunkSettings, EmbedSettings, Settings, load_settings
from rag.store import ChromaStore, DocRecord, Filters
from rag.text import slug
from rag.vocabulary import authority_key, display_authority

Progress = Callable[[int, int, str], None]
# (path, stage, share of that stage done 0..1): lets a UI show a large file moving
StageProgress = Callable[[str, str, float], None]
STAGES = ("reading", "cleaning", "chunking", "embedding", "writing")
EMBED_SLICE = 64  # chunks embedded per progress step
T = TypeVar("T")
R = TypeVar("R")
_SKIP_NAMES = {"manifest.toml", "readme.md", "readme.txt", "license", "license.txt"}


@dataclass
class FileResult:
    """What ingest did with one file."""

    path: str
    status: str  # indexed | replaced | unchanged | duplicate | failed | removed
    doc_id: str = ""
    chunks: int = 0
    message: str = ""

    @property
    def line(self) -> str:
        detail = f" ({self.chunks} chunks)" if self.status in ("indexed", "replaced") else ""
        note = f": {self.message}" if self.message else ""
        return f"{self.status:<9} {self.path}{detail}{note}"


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=lambda: dict.fromkeys(("read", "clean", "chunk", "embed", "write"), 0.0))
    embedded_chunks: int = 0

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)


@dataclass(frozen=True)
class Components:
    store: ChromaStore
    embedder: Embedder
    lexical: LexicalIndex
    retriever: Retriever


ComponentFactory = Callable[[Settings], Components]
_PROVIDED: list[ComponentFactory] = []


@contextmanager
def provided(factory: ComponentFactory) -> Iterator[ComponentFactory]:
    """Run the pipeline on components of your own: inside the block every stage gets
    ``factory(settings)`` (another store, an embedder of your own, a fake for a fast test)
    instead of the ones built from the settings.

        with pipeline.provided(lambda s: Components(store, my_embedder, lexical, retriever)):
            pipeline.ingest(settings=settings)
    """
    _PROVIDED.append(factory)
    try:
        yield factory
    finally:
        _PROVIDED.remove(factory)


def components(settings: Settings) -> Components:
    """The parts for these settings (those ``provided`` if any). The heavy ones (index, model,
    BM25) are built once per index and model, whatever the answer or app settings; the model
    loads on first use."""
    if _PROVIDED:
        return _PROVIDED[-1](settings)
    store, embedder, lexical = _index_parts(settings.index_dir, settings.chroma_url, settings.embed, settings.chunk)
    return Components(store, embedder, lexical, Retriever(store, lexical, embedder.encode_query, settings.retrieve))


@lru_cache(maxsize=8)
def _index_parts(index_dir: Path, chroma_url: str | None, embed: EmbedSettings, chunk: ChunkSettings) -> tuple[ChromaStore, Embedder, LexicalIndex]:
    settings = Settings(index_dir=index_dir, chroma_url=chroma_url, embed=embed, chunk=chunk)
    store = ChromaStore(settings)
    return store, Embedder(embed), LexicalIndex(store, index_dir)


def _files(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """Files to ingest, and the folders whose removed files should leave the index."""
    files: list[Path] = []
    folders: list[Path] = []
    for p in paths:
        if p.is_dir():
            folders.append(p.resolve())
            for f in sorted(p.rglob("*")):
                if f.is_file() and not f.name.startswith(".") and f.name.lower() not in _SKIP_NAMES and f.suffix.lower() in SUPPORTED:
                    files.append(f)
        else:
            files.append(p)
    return files, folders


def ingest(paths: Iterable[str | Path] | None = None, settings: Settings | None = None, *, rebuild: bool = False, progress: Progress | None = None, titles: Mapping[str, str] | None = None, stages: StageProgress | None = None) -> IngestReport:
    """Index files and folders (default: the corpus folder), skipping unchanged files.

    ``titles`` (path -> title) names documents whose title neither a manifest nor the text
    gives, e.g. an upload's original file name (it is stored under a generated one).
    ``stages(path, stage, done)`` hears each file move through STAGES, and how far each is.

    Files are read, cleaned and chunked in a background thread up to ``settings.read_ahead``
    files ahead of the encoder, so PDF parsing (pure Python) runs while the encoder (native,
    outside the GIL) works; they are embedded and written one at a time, in order.

    A file that fails is reported and skipped; its previously indexed version stays.
    Files removed from an ingested folder are removed from the index. ``rebuild`` starts
    the index afresh and always indexes the uploads folder again with the given paths, so a
    rebuild never loses what users uploaded.
    """
    settings = settings or load_settings()
    parts = components(settings)
    store = parts.store
    if rebuild:
        store.reset()
    else:
        store.sweep(settings.sweep_after_s)
    targets = [Path(p) for p in paths] if paths else [settings.corpus_dir]
    if rebuild and settings.uploads_dir.is_dir() and not any(_within(settings.uploads_dir.resolve(), t.resolve()) for t in targets):
        targets.append(settings.uploads_dir)
    report = IngestReport()
    files, folders = _files(targets)
    catalog = {d.doc_id: d for d in store.documents()}
    reader = _Reader(settings, parts.embedder.count_tokens, dict(catalog), titles or {}, stages)
    for i, (path, read) in enumerate(zip(files, _ahead(files, reader.read, settings.read_ahead))):
        if progress:
            progress(i, len(files), str(path))
        try:
            result = read if isinstance(read, FileResult) else _index_one(read, reader, parts, catalog, report)
        except DocumentError as exc:
            result = _failed(path, exc)
        except RagError as exc:
            result = FileResult(str(path), "failed", message=str(exc))
        report.files.append(result)
    seen_paths = {str(p.resolve()) for p in files}
    for doc in list(catalog.values()):
        doc_path = Path(doc.path)
        if any(_within(doc_path, folder) for folder in folders) and str(doc_path) not in seen_paths and not doc_path.exists():
            store.delete_document(doc.doc_id)
            report.files.append(FileResult(doc.path, "removed", doc.doc_id, message="file no longer in the folder"))
    if progress:
        progress(len(files), len(files), "done")
    parts.lexical.invalidate()
    return report


def _ahead(items: Sequence[T], work: Callable[[T], R], depth: int) -> Iterator[R]:
    """``work(item)`` for each item, in order, computed in a background thread up to
    ``depth`` items ahead of the caller (depth 0: in the caller's thread, one at a time).
    An exception in ``work`` is raised here, at its item; closing the iterator early stops
    the thread after the item it is on."""
    if depth <= 0 or len(items) < 2:
        yield from (work(item) for item in items)
        return
    done: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def run() -> None:
        for item in items:
            try:
                outcome: tuple[bool, object] = (True, work(item))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller, raised there
                outcome = (False, exc)
            while not stop.is_set():
                try:
                    done.put(outcome, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if stop.is_set() or not outcome[0]:
                return

    thread = threading.Thread(target=run, name="ingest-reader", daemon=True)
    thread.start()
    try:
        for _ in items:
            ok, value = done.get()
            if not ok:
                raise value  # type: ignore[misc]
            yield value  # type: ignore[misc]
    finally:
        stop.set()
        thread.join()


def _within(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def _failed(path: Path, exc: DocumentError) -> FileResult:
    return FileResult(str(path), "failed", message=exc.reason + (f" ({exc.help})" if exc.help else ""))


@dataclass
class _Read:
    """A file read, cleaned and chunked, waiting for the encoder."""

    path: Path
    doc_id: str
    previous: DocRecord | None
    file_hash: str
    cleaned: CleanDoc
    chunks: list[Chunk]
    pages: int
    uploaded: bool
    accepted: bool
    warnings: list[str]
    seconds: dict[str, float]
    say: Callable[[str, float], None]


@dataclass
class _StaleFacts:
    """A file unchanged since it was indexed whose facts an older reader read: the encoder's
    side reads them again from the stored text (the store is its own)."""

    path: Path
    previous: DocRecord
    data: bytes
    entry: dict | None


class _Reader:
    """The ingest stages before the encoder, for one file at a time and in file order (it
    keeps the run's ids and manifests). It touches no store: it reads a snapshot of the
    catalog taken before the run, so it can run in a thread beside the encoder."""

    def __init__(self, settings: Settings, count_tokens: Callable[[str], int], catalog: Mapping[str, DocRecord], titles: Mapping[str, str], stages: StageProgress | None) -> None:
        self.settings, self.count_tokens, self.catalog, self.titles, self.stages = settings, count_tokens, catalog, titles, stages
        self.seen_ids: dict[str, str] = {}
        self.manifests: dict[Path, dict] = {}

    def read(self, path: Path) -> _Read | _StaleFacts | FileResult:
        try:
            return _read_one(path, self, self.titles.get(str(path)))
        except DocumentError as exc:
            return _failed(path, exc)
        except RagError as exc:
            return FileResult(str(path), "failed", message=str(exc))


def _read_one(path: Path, reader: _Reader, title: str | None = None, *, facts_checked: bool = False) -> _Read | _StaleFacts | FileResult:
    settings = reader.settings
    t0 = time.perf_counter()
    say = (lambda name, done, _p=str(path): reader.stages(_p, name, done)) if reader.stages else (lambda _name, _done: None)
    say("reading", 0.0)
    folder = path.parent.resolve()
    if folder not in reader.manifests:
        reader.manifests[folder] = load_manifest(folder)
    entry = reader.manifests[folder].get(path.name)
    data = read_bytes(path, int(settings.max_file_mb * 2**20))  # once: what is hashed is what is parsed
    sniff(data, str(path))
    doc_id = str(entry["id"]) if entry else slug(path.stem)
    resolved = str(path.resolve())
    if not facts_checked:
        if doc_id in reader.seen_ids and reader.seen_ids[doc_id] != resolved:
            raise DocumentError(path, f"document id '{doc_id}' is already used by {reader.seen_ids[doc_id]} in this run", help="rename one file")
        reader.seen_ids[doc_id] = resolved
    previous = reader.catalog.get(doc_id)
    if previous and previous.path != resolved and Path(previous.path).exists():
        raise DocumentError(path, f"document id '{doc_id}' is already used by {previous.path}", help="rename the file")
    probe = describe(path, data, entry)
    file_hash = hashlib.sha256(data).hexdigest()
    if previous and previous.content_hash == probe.content_hash and not facts_checked:
        if previous.facts_version == FACTS_VERSION:
            return FileResult(str(path), "unchanged", doc_id, previous.chunks)
        return _StaleFacts(path, previous, data, entry)
    pages, warnings = read_document(
        path, int(settings.max_file_mb * 2**20), settings.max_pdf_pages, data=data,
        max_decoded=int(settings.max_pdf_decoded_mb * 2**20), max_chars=settings.max_text_chars,
        max_chars_per_byte=settings.max_chars_per_byte, on_page=lambda i, n: say("reading", i / n),
    )
    say("cleaning", 0.0)
    limits.check_repetition("".join(p.text for p in pages), path, max_repetition=settings.max_repetition)
    t1 = time.perf_counter()
    text, page_starts = clean_stage.clean_pages(pages)
    if len(text.strip()) < 20:
        raise DocumentError(path, "no usable text after cleaning (only letterhead or markup?)")
    doc = describe(path.resolve(), data, entry, facts_stage.read_facts(text, page_starts), text)
    origin = provenance.origin_of(path, file_hash, settings)
    if origin.uploaded and not title:
        title = provenance.upload_title(path)  # its stored name, without the content hash
    if title and doc.provenance.get("title") == "file name":
        doc = replace(doc, title=title, provenance={**doc.provenance, "title": "given with the file (upload name)"})
    cleaned = CleanDoc(doc, text, tuple(page_starts))
    t2 = time.perf_counter()
    say("chunking", 0.0)
    chunks = chunk_stage.chunk(cleaned, settings.chunk.max_tokens, reader.count_tokens)
    limits.check_passages(len(chunks), path, settings.max_passages)
    t3 = time.perf_counter()
    return _Read(
        path, doc_id, previous, file_hash, cleaned, chunks, sum(1 for p in pages if p.number is not None), origin.uploaded, origin.accepted,
        warnings, {"read": t1 - t0, "clean": t2 - t1, "chunk": t3 - t2}, say,
    )


def _index_one(read: _Read | _StaleFacts, reader: _Reader, parts: Components, catalog: dict[str, DocRecord], report: IngestReport) -> FileResult:
    """Embed a file the reader prepared and write it, unless it is a copy of one indexed."""
    if isinstance(read, _StaleFacts):
        stale = read
        if _facts_reread(stale.path, stale.data, stale.entry, stale.previous, parts):
            return FileResult(str(stale.path), "unchanged", stale.previous.doc_id, stale.previous.chunks, message="its facts read again by the newer reader")
        # what the facts say of the document itself changed (its date, title or council): index it afresh
        again = _read_one(stale.path, reader, reader.titles.get(str(stale.path)), facts_checked=True)
        if not isinstance(again, _Read):
            return again  # type: ignore[return-value]  # a failure (facts_checked: never stale again)
        read = again
    path, doc_id, previous = read.path, read.doc_id, read.previous
    twin = next((d for d in catalog.values() if d.file_hash == read.file_hash and d.doc_id != doc_id and Path(d.path).exists()), None)
    if twin is not None:
        return FileResult(str(path), "duplicate", doc_id, message=f"same content as {twin.path} (indexed once, as '{twin.doc_id}')")
    report.warnings.extend(read.warnings)
    t3 = time.perf_counter()
    vectors, sentence_vectors = _embed(parts.embedder, read.chunks, lambda done: read.say("embedding", done))
    chunks = [replace(c, sentence_vectors=pack(sv)) for c, sv in zip(read.chunks, sentence_vectors)]
    t4 = time.perf_counter()
    read.say("writing", 0.0)
    parts.store.replace_document(
        read.cleaned, chunks, vectors, pages=read.pages, file_hash=read.file_hash, uploaded=read.uploaded, accepted=read.accepted,
    )
    catalog[doc_id] = _record_of(read.cleaned, len(chunks), read.file_hash)
    t5 = time.perf_counter()
    for key, value in {**read.seconds, "embed": t4 - t3, "write": t5 - t4}.items():
        report.timings[key] += value
    report.embedded_chunks += len(chunks)
    return FileResult(str(path), "replaced" if previous else "indexed", doc_id, len(chunks))


def _facts_reread(path: Path, data: bytes, entry: dict | None, previous: DocRecord, parts: Components) -> bool:
    """Read a document's facts again from its stored text and store them, when the record's
    title, date, kind and authority (which its chunks carry too) come out the same."""
    text = parts.store.document_text(previous.doc_id)
    if not text:
        return False
    doc = describe(path.resolve(), data, entry, facts_stage.read_facts(text, parts.store.page_starts(previous.doc_id)), text)
    same = (doc.title, doc.kind, doc.date.isoformat() if doc.date else "", doc.authority) == (previous.title, previous.kind, previous.date, previous.authority)
    if same:
        parts.store.update_facts(doc)
    return same


def _embed(embedder: Embedder, chunks: Sequence[Chunk], done: Callable[[float], None]) -> tuple[list, list]:
    """Chunk vectors and their sentences' vectors, a slice at a time so progress moves."""
    vectors: list = [None] * len(chunks)
    sentence_vectors: list = [None] * len(chunks)
    # shortest first, so each slice is of like lengths and pads little: a slice in document
    # order pads every chunk to its longest, which cost ~40% of the encoder's time
    order = sorted(range(len(chunks)), key=lambda j: len(chunks[j].embed_text))
    done(0.0)
    for i in range(0, len(order), EMBED_SLICE):
        part = [chunks[j] for j in order[i : i + EMBED_SLICE]]
        v, sv = embedder.encode_with_spans(
            [c.embed_text for c in part],
            [[(a + len(c.header) + 1, b + len(c.header) + 1) for a, b in c.sentences] for c in part],
        )
        for j, vec, svec in zip(order[i : i + EMBED_SLICE], v, sv):
            vectors[j], sentence_vectors[j] = vec, svec
        done(min(1.0, (i + len(part)) / len(chunks)))
    return vectors, sentence_vectors


def _record_of(cleaned, chunks: int, file_hash: str) -> DocRecord:  # noqa: ANN001
    d = cleaned.doc
    return DocRecord(d.doc_id, d.title, d.kind, d.date.isoformat() if d.date else "", d.path, d.content_hash, 0, chunks, "", file_hash=file_hash)


def _clean_question(question: str, settings: Settings) -> str:
    if not isinstance(question, str):
        raise QuestionError("question", "The question must be text.")
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in question)
    text = " ".join(text.split())
    if not text:
        raise QuestionError("question", "The question is empty: type a question about the documents.")
    limit = settings.answer.max_question_chars
    if len(text) > limit:
        raise QuestionError("question", f"The question is {len(text)} characters long; the limit is {limit}. Shorten it and ask again.")
    return text


def make_filters(since: int | None = None, until: int | None = None, kinds: Sequence[str] = (), doc_ids: Sequence[str] = (), authorities: Sequence[str] = ()) -> Filters:
    """Validated filters: years 1900..2100, since <= until; authorities by name or key."""
    for name, label, year in (("since", "from", since), ("until", "to", until)):
        if year is not None and (not isinstance(year, int) or not 1900 <= year <= 2100):
            raise QuestionError(name, f"The '{label}' year must be between 1900 and 2100; {year!r} is not.")
    if since is not None and until is not None and since > until:
        raise QuestionError("since/until", f"The 'from' year ({since}) is after the 'to' year ({until}): swap them, or set one to any year.")
    return Filters(since, until, tuple(kinds or ()), tuple(doc_ids or ()), tuple(authority_key(a) for a in authorities or () if authority_key(a)))


def library(settings: Settings, *, trusted_only: bool = False) -> Library:
    """The library's documents and councils, rebuilt only when the catalog changes;
    ``trusted_only``: without the uploads waiting for acceptance (``rag.provenance``)."""
    store = components(settings).store
    version, documents = store.catalog()
    key = (id(store), trusted_only)
    cached = _LIBRARIES.get(key)
    if cached is None or cached[0] != version or not version:
        kept = [d for d in documents if provenance.trusted(d)] if trusted_only else documents
        cached = (version, Library.of(kept))
        _LIBRARIES[key] = cached
    return cached[1]


_LIBRARIES: dict[tuple[int, bool], tuple[str, Library]] = {}


def prepare(question: str, settings: Settings, k: int | None, filters: Filters, previous: Answer | None = None, held: Library | None = None) -> Query:
    """The question read against the library (default: all of it), with every filter that
    narrows it; ``previous``: the answer just before in the same conversation."""
    if k is not None and not (isinstance(k, int) and 1 <= k <= 100):
        raise QuestionError("k", f"The number of passages must be between 1 and 100; {k!r} is not.")
    text = _clean_question(question, settings)
    held = held or library(settings)
    if not held.documents:
        raise IndexStoreError(
            f"the index at {settings.chroma_url or settings.index_dir} is empty",
            help="run `rag ingest` to index the corpus folder, or upload documents in the app",
        )
    filters = _held_authorities(filters, held)
    parts = components(settings)
    text = parts.lexical.correct(text)
    frame = read_question(text, held, previous=previous.question if previous else "", frequency=parts.lexical.frequency, is_name=parts.lexical.is_name)
    return plan(frame, settings.retrieve, held, filters, k)


def _held_authorities(filters: Filters, held: Library) -> Filters:
    """The council filter as the library's own keys (aliases merged); a council the library
    holds no document on is a QuestionError naming it, never a silent empty search."""
    if not filters.authorities:
        return filters
    unknown = [key for key in filters.authorities if held.authority(key) is None]
    if unknown:
        names = ", ".join(display_authority(a.name) for a in held.authorities[:8])
        raise QuestionError(
            "authority",
            f"The library has no reports on {' or '.join(repr(k) for k in unknown)}.",
            help=f"councils it holds include {names}" if names else "the library holds no council's reports",
        )
    return replace(filters, authorities=tuple(dict.fromkeys(m for key in filters.authorities for m in held.members(key))))


def search(question: str, settings: Settings | None = None, *, k: int | None = None, since: int | None = None, until: int | None = None, kinds: Sequence[str] = (), doc_ids: Sequence[str] = (), authorities: Sequence[str] = (), previous: Answer | None = None) -> list[Passage]:
    """Passages answering ``question``, best first (timelines: by document, oldest first).
    ``previous``: the answer just before in the same conversation (a follow-up's context).
    With ``answer.uploads = "accepted_only"``, uploads waiting for acceptance are left out."""
    settings = settings or load_settings()
    filters = make_filters(since, until, kinds, doc_ids, authorities)
    held = library(settings)
    if settings.answer.uploads == "accepted_only":
        curated = provenance.curated_only(filters, held.documents)
        if curated is not None:
            filters, held = _must_have_documents(curated), library(settings, trusted_only=True)
    query = prepare(question, settings, k, filters, previous, held)
    parts = components(settings)
    vector = parts.embedder.encode_query(query.ranking_text) if settings.retrieve.mode != "bm25" else None
    return _retrieve(query, settings, parts, vector, held)


def _retrieve(query: Query, settings: Settings, parts: Components, vector: list[float] | None, scope: Library | None = None) -> list[Passage]:
    """Retrieve; for a question the report facts answer (a grade, the lead inspector), the
    passages holding those facts' lines (in ``scope``, default the library) come first:
    they are its evidence."""
    lines = fact_lines(query, (scope or library(settings)).documents, settings.answer.max_fact_reports)
    if not lines and not query.groups and not query.is_timeline:
        # a question's passages in order of the answer each holds, judged from a deeper pool
        # than is kept (timelines and comparisons keep their order by document and by council)
        depth = settings.retrieve.rerank_depth if settings.retrieve.rerank > 0 else 1
        pool = parts.retriever.run(replace(query, k=query.k * depth) if depth > 1 else query, vector)
        return answer_stage.rerank(query.ranking_text, pool, parts.lexical, vector, settings, asked=query.text)[: query.k]
    passages = parts.retriever.run(query, vector)
    if not lines and query.spans_window:
        # a timeline keeps its documents oldest first; each document's passages go in order
        # of the answer each holds
        return answer_stage.rerank(query.ranking_text, passages, parts.lexical, vector, settings, by_document=True, asked=query.text)
    if not lines:
        return passages
    held = {p.chunk.chunk_id for p in passages}
    ids = parts.lexical.holding(lines)
    first = [c for c in (parts.store.chunks(list(dict.fromkeys(ids))) if ids is not None else parts.store.chunks_at(lines)) if c.chunk_id not in held]
    promoted = [Passage(c, 1.0, 0) for c in first] + [p for p in passages if p.chunk.chunk_id not in {c.chunk_id for c in first}]

    def holds_fact(p: Passage) -> int:
        """The first fact line the passage holds, in the order asked ('who led it, and what
        was the outcome?'); after every fact line, a passage holding none."""
        return next((i for i, (d, o) in enumerate(lines) if p.chunk.doc_id == d and p.chunk.start <= o < p.chunk.end), len(lines))

    if query.is_timeline and not (query.frame and query.frame.asks):
        # judgement lines that lead a timeline's findings: every document's passages are
        # kept, still by document oldest first, each document's judgement lines leading its
        # own passages (a question the facts answer alone has them first, as its evidence)
        order = {d.doc_id: i for i, d in enumerate(query.window)}
        promoted.sort(key=lambda p: (order.get(p.chunk.doc_id, len(order)), holds_fact(p)))
        return [replace(p, rank=i) for i, p in enumerate(promoted, start=1)]
    promoted.sort(key=holds_fact)
    return [replace(p, rank=i) for i, p in enumerate(promoted[: max(query.k, len(first))], start=1)]


def ask(question: str, settings: Settings | None = None, *, k: int | None = None, since: int | None = None, until: int | None = None, kinds: Sequence[str] = (), doc_ids: Sequence[str] = (), authorities: Sequence[str] = (), mode: str | None = None, previous: Answer | None = None) -> Answer:
    """An answer with citations: extractive (default) or LLM-written and verified.
    ``previous``: the answer just before in the same conversation (a follow-up's context)."""
    settings = settings or load_settings()
    t0 = time.perf_counter()
    query, passages, extractive = _curated_first(question, settings, k, make_filters(since, until, kinds, doc_ids, authorities), previous)
    *_, result = _answerer(query, passages, extractive, settings, mode or settings.answer.mode, stream=False)
    result.timings["total"] = time.perf_counter() - t0
    return provenance.mark(result, library(settings).documents)


def ask_stream(question: str, settings: Settings | None = None, *, k: int | None = None, since: int | None = None, until: int | None = None, kinds: Sequence[str] = (), doc_ids: Sequence[str] = (), authorities: Sequence[str] = (), mode: str | None = None, previous: Answer | None = None) -> Iterator[str | Answer]:
    """Like ``ask``, for a UI: in LLM mode yields the reply's text as it arrives, then the
    verified Answer (always last); in extractive mode yields only the Answer."""
    settings = settings or load_settings()
    t0 = time.perf_counter()
    query, passages, extractive = _curated_first(question, settings, k, make_filters(since, until, kinds, doc_ids, authorities), previous)
    for part in _answerer(query, passages, extractive, settings, mode or settings.answer.mode, stream=True):
        if isinstance(part, Answer):
            part.timings["total"] = time.perf_counter() - t0
            provenance.mark(part, library(settings).documents)
        yield part


def _answerer(query: Query, passages: list[Passage], extractive: Answer, settings: Settings, mode: str, *, stream: bool) -> Iterator[str | Answer]:
    """The one place the answerer is chosen: the extractive answer, or an LLM's answer
    verified against the same passages with the extractive one as its fallback. Either
    carries the scope of the search it was written from."""
    if mode != "llm":
        yield extractive
        return
    from rag import llm

    page_starts = components(settings).store.page_starts
    parts = (
        llm.stream_llm_answer(query, passages, settings, fallback=extractive, page_starts=page_starts)
        if stream
        else iter([llm.llm_answer(query, passages, settings, fallback=extractive, page_starts=page_starts)])
    )
    for part in parts:
        if isinstance(part, Answer):
            part.scope = extractive.scope
        yield part


def _curated_first(question: str, settings: Settings, k: int | None, filters: Filters, previous: Answer | None = None) -> tuple[Query, list[Passage], Answer]:
    """The pass to answer from. While uploads wait for acceptance, the question is read and
    answered over the corpus and accepted uploads alone, and over everything only when
    those do not answer (the extractive answer abstains) or when its time points at uploads
    alone ("the 2031 letter", "the latest visit"); with ``answer.uploads = "accepted_only"``
    never. With nothing waiting this is the one pass it always was (``rag.provenance``)."""
    held = library(settings)
    curated = provenance.curated_only(filters, held.documents)
    if curated is None:
        return _answered(prepare(question, settings, k, filters, previous, held), settings, filters, held)
    trusted = library(settings, trusted_only=True)
    if settings.answer.uploads == "accepted_only":
        only = _must_have_documents(curated)
        return _answered(prepare(question, settings, k, only, previous, trusted), settings, only, trusted)
    everything = prepare(question, settings, k, filters, previous, held)
    if curated.doc_ids:
        narrowed = prepare(question, settings, k, curated, previous, trusted)
        if not _only_uploads_cover(everything, narrowed, filters, trusted):
            first = _answered(narrowed, settings, curated, trusted)
            if not first[2].abstained:
                return first
    return _answered(everything, settings, filters, held)


def _only_uploads_cover(everything: Query, narrowed: Query, filters: Filters, trusted: Library) -> bool:
    """Does the question's time (its years, or 'latest') or a council it names point at
    uploads alone? Compares the question as read against everything and against the
    corpus and accepted uploads (``narrowed``): no search is run."""
    if narrowed.years_unmatched and not everything.years_unmatched:
        return True
    if everything.frame and narrowed.frame and set(everything.frame.authorities) - set(narrowed.frame.authorities):
        return True  # it names a council only uploads are about
    named = set(everything.filters.doc_ids) - set(filters.doc_ids)  # chosen by the plan ('latest')
    return bool(named) and not named <= {d.doc_id for d in trusted.documents}


def _must_have_documents(curated: Filters) -> Filters:
    if not curated.doc_ids:
        raise IndexStoreError(
            "no accepted document to answer from: the documents asked about are uploads waiting for acceptance",
            help="an administrator accepts uploads with `rag accept DOC_ID` (`rag docs` lists them)",
        )
    return curated


def _answered(query: Query, settings: Settings, filters: Filters, held: Library) -> tuple[Query, list[Passage], Answer]:
    """One pass down the stages for a question already read (``prepare``) against ``held``,
    the documents the pass reads from: retrieve, then compose the extractive answer."""
    t0 = time.perf_counter()
    parts = components(settings)
    vector = parts.embedder.encode_query(query.ranking_text)
    passages = _retrieve(query, settings, parts, vector, held)
    t1 = time.perf_counter()
    result = answer_stage.answer(
        query,
        passages,
        settings,
        page_starts=parts.store.page_starts,
        query_vector=vector,
        documents=held.documents,
        document_text=parts.store.document_text,
        lexicon=parts.lexical,
    )
    result.timings["retrieve"] = t1 - t0
    result.scope = scope_of(query, filters, library(settings))
    return query, passages, result


def build_brief(topic: str, settings: Settings | None = None, *, since: int | None = None, until: int | None = None, kinds: Sequence[str] = ()) -> Brief:
    """The induction brief on ``topic`` from the documents dated ``since``..``until`` of ``kinds``:
    retrieved and answered as the chat's change-over-time question, then quoted, sorted and
    quizzed by ``rag.briefing``.

    Raises QuestionError when no document in range says enough on the topic to quote (or
    the topic names what no document mentions), RagError when the index is empty.
    """
    from rag import briefing

    settings = settings or load_settings()
    topic = briefing.clean_topic(topic)
    filters = make_filters(since, until, kinds)
    parts = components(settings)
    indexed = parts.store.documents()
    if not indexed:
        raise RagError("the index is empty: there is nothing to build a brief from", help="run `rag ingest`, or add documents in the app's Library tab")
    window = tuple(d for d in indexed if filters.admits(d))
    if not window:
        raise QuestionError("since/until/kind", "No indexed document is in that range of years and kinds: widen the years or tick more kinds.", help="`rag docs` lists the documents")
    strangers = answer_stage.unknown_names(f"Topic: {topic}", parts.lexical.seen)  # the first word may be a name too
    if strangers:
        raise QuestionError("topic", f"The documents never mention {', '.join(strangers)}: try a suggested topic.", help="`rag brief --suggest` lists some")
    query = briefing.brief_query(topic, filters, window)
    vector = parts.embedder.encode_query(topic)
    passages = parts.retriever.run(query, vector)
    timeline = answer_stage.answer(
        query, passages, briefing.timeline_settings(settings), page_starts=parts.store.page_starts,
        idf=parts.lexical.idf, seen=parts.lexical.seen, query_vector=vector,
    )
    return briefing.run(query, passages, timeline, settings, documents=parts.store, idf=parts.lexical.idf, seen=parts.lexical.seen, query_vector=vector)


def suggest_topics(settings: Settings | None = None, n: int = 20) -> list[str]:
    """Up to ``n`` topics trainers can pick for a brief, from the indexed documents
    (mined again only when the index content changes; see ``rag.topics``).

    >>> suggest_topics(load_settings(), 5)         # doctest: +SKIP
    ['management oversight', 'child protection', ...]
    """
    from rag import topics

    settings = settings or load_settings()
    return topics.suggest_topics(components(settings).store, n, index=str(settings.index_dir))


@dataclass(frozen=True)
class Removal:
    """What ``remove`` did with one document id."""

    doc_id: str
    status: str  # removed | missing
    title: str = ""
    chunks: int = 0
    message: str = ""

    @property
    def line(self) -> str:
        if self.status == "missing":
            return f"missing   {self.doc_id}: not in the index (`rag docs` lists what is)"
        note = f"; {self.message}" if self.message else ""
        return f"removed   {self.doc_id} ({self.chunks} chunks){note}"


def remove(doc_ids: Iterable[str], settings: Settings | None = None) -> list[Removal]:
    """Take documents out of the index: their chunks, catalog record and BM25 entries.

    The app's Library and ``rag remove`` both come here, so they agree. A document uploaded
    in the app also loses its stored copy in ``settings.uploads_dir`` (nothing else uses
    it); a file anywhere else is left alone, and is indexed again if its folder is ingested.

    >>> [r.status for r in rag.remove(["ofsted-2010-07-letter"])]   # doctest: +SKIP
    ['removed']
    """
    settings = settings or load_settings()
    parts = components(settings)
    catalog = {d.doc_id: d for d in parts.store.documents()}
    done: list[Removal] = []
    for doc_id in doc_ids:
        doc = catalog.get(doc_id) or parts.store.document(doc_id)
        if doc is None:
            done.append(Removal(doc_id, "missing"))
            continue
        chunks = parts.store.delete_document(doc_id)
        note = ""
        if Path(doc.path).parent == settings.uploads_dir.resolve() and Path(doc.path).is_file():
            Path(doc.path).unlink()
            note = "its uploaded file was deleted too"
        elif Path(doc.path).exists():
            note = f"its file stays at {doc.path}"
        done.append(Removal(doc_id, "removed", doc.title, chunks, note))
    parts.lexical.invalidate()
    return done


def documents(settings: Settings | None = None) -> list[DocRecord]:
    settings = settings or load_settings()
    return components(settings).store.documents()


def recover(settings: Settings | None = None) -> int:
    """Delete what ingests killed mid-write left behind (chunks no document owns, once
    ``sweep_after_s`` old); every ingest does this first, the app at start-up. Returns how
    many chunks went."""
    settings = settings or load_settings()
    return components(settings).store.sweep(settings.sweep_after_s)


def accept(doc_ids: Sequence[str], settings: Settings | None = None) -> list[DocRecord]:
    """Accept uploaded documents for answers (``rag accept``); see ``rag.provenance``."""
    settings = settings or load_settings()
    return provenance.accept(list(doc_ids), settings, components(settings).store)
