"""The Chroma store itself: the catalog and chunks written and read back, a document's
chunks replaced and deleted, filters by year, kind and council; reopening under concurrent
readers, and what readers may see."""

import datetime as dt
import threading

import pytest

from rag import pipeline
from rag.errors import IndexStoreError
from rag.lexical import LexicalIndex
from rag.records import Chunk, CleanDoc, Fact, ReportFacts, SourceDoc
from rag.retrieve import Retriever
from rag.settings import load_settings
from rag.store import ChromaStore, Filters


def test_reopen_is_safe_under_concurrent_readers(tmp_path, corpus_copy, fake_embedder, request):
    """A reopen (after another process changed the index) used to clear chromadb's shared
    client cache and null the collections while other threads were reading: 7 of 523
    requests failed under load ('RustBindingsAPI' object has no attribute 'bindings', a
    KeyError on the index path). Eight readers and a thread that keeps reopening: no errors."""
    settings = load_settings(index_dir=tmp_path / "idx", corpus_dir=corpus_copy)
    store = ChromaStore(settings)
    lexical = LexicalIndex(store, settings.index_dir)
    parts = pipeline.Components(store, fake_embedder, lexical, Retriever(store, lexical, fake_embedder.encode_query, settings.retrieve))
    provided = pipeline.provided(lambda _settings: parts)  # the pipeline takes these parts
    provided.__enter__()
    request.addfinalizer(lambda: provided.__exit__(None, None, None))
    assert pipeline.ingest(settings=settings).ok
    vector = fake_embedder.encode_query("management oversight of caseloads")
    ids = [c.chunk_id for c in store.iter_chunks()][:10]
    errors: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                assert store.query(vector, 5)
                assert len(store.chunks(ids)) == len(ids)
                assert store.documents() and store.content_version()
            except Exception as exc:  # every failure is the finding
                errors.append(f"{type(exc).__name__}: {exc}")

    readers = [threading.Thread(target=reader) for _ in range(8)]
    for t in readers:
        t.start()
    try:
        for _ in range(40):
            store._reopen(store._open())
    finally:
        stop.set()
        for t in readers:
            t.join(timeout=60)
    assert not errors, errors[:5]


def test_a_reopen_by_one_thread_is_not_repeated_by_the_next(tmp_path):
    """Two threads that both saw the same failure reopen once, not twice."""
    store = ChromaStore(load_settings(index_dir=tmp_path / "idx"))
    stale = store._open()
    fresh = store._reopen(stale)
    assert fresh is not stale and store._reopen(stale) is fresh


def test_the_error_advice_never_suggests_a_rebuild(tmp_path):
    """`rag ingest --rebuild` dropped the uploaded documents; the advice for an index that
    cannot be opened says to check and retry, nothing that loses anything."""
    from rag.store import RETRY_HELP

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the index folder should be")
    try:
        ChromaStore(load_settings(index_dir=blocker)).documents()
    except Exception as exc:
        message = str(exc)
    assert "cannot open the Chroma index" in message and RETRY_HELP in message
    assert "--rebuild" not in message and "reset" not in message.lower()


# -- the catalog and the chunks, written and read back ------------------------------------

AXES = {"oversight": [1.0, 0.0, 0.0, 0.0], "caseloads": [0.0, 1.0, 0.0, 0.0], "leaders": [0.0, 0.0, 1.0, 0.0]}


def source(doc_id: str, date: dt.date, kind: str = "letter", authority: str = "Barset", **changes) -> SourceDoc:
    fields = dict(
        doc_id=doc_id, path=f"corpus/{doc_id}.txt", title=f"Visit to {authority} {date.year}", kind=kind, date=date,
        content_hash="h-" + doc_id, period=str(date.year), authority=authority, source_note="manifest",
        provenance={"date": "manifest"}, framework="monitoring visit",
        facts=ReportFacts(authority=authority, lead_inspector="Ann Example",
                          facts=(Fact("lead_inspector", "Ann Example", "Lead inspector: Ann Example", 40, 1),)),
    )
    return SourceDoc(**(fields | changes))


def chunks_of(doc: SourceDoc, topics: list[str], version: str = "") -> tuple[CleanDoc, list[Chunk], list[list[float]]]:
    """A cleaned document of one sentence a topic, a chunk a sentence, each on its own page."""
    texts = [f"Inspectors found that {t} is a strength{version}." for t in topics]
    text = "\n\n".join(texts)
    starts, chunks, at = [], [], 0
    for i, (t, topic) in enumerate(zip(texts, topics), start=1):
        starts.append((at, i))
        chunks.append(Chunk(
            chunk_id=f"{doc.doc_id}:{topic}{version}", doc_id=doc.doc_id, title=doc.title, kind=doc.kind,
            date=doc.date.isoformat(), year=doc.year, text=t, start=at, end=at + len(t), header=f"{doc.authority} {doc.kind}",
            section="Findings", authority=doc.authority.lower(), page=i, page_end=i, paragraphs=(i,),
            sentences=((0, len(t)),), sentence_vectors=bytes([1, 2, 3, 4]), sentence_roles=("",), sentence_templates=("t" + topic,),
        ))
        at += len(t) + 2
    return CleanDoc(doc, text, tuple(starts)), chunks, [AXES[t] for t in topics]


@pytest.fixture
def store(tmp_path):
    return ChromaStore(load_settings(index_dir=tmp_path / "idx"))


def put(store: ChromaStore, doc: SourceDoc, topics: list[str], version: str = "", **kwargs) -> list[Chunk]:
    clean, chunks, vectors = chunks_of(doc, topics, version)
    store.replace_document(clean, chunks, vectors, pages=len(topics), file_hash="f-" + doc.doc_id, **kwargs)
    return chunks


def test_the_catalog_gives_back_what_was_written(store):
    doc = source("barset-2023", dt.date(2023, 8, 2))
    put(store, doc, ["oversight", "caseloads"], uploaded="2025-03-03")
    (record,) = store.documents()
    assert record == store.document("barset-2023")
    assert (record.doc_id, record.title, record.kind, record.date, record.year) == ("barset-2023", "Visit to Barset 2023", "letter", "2023-08-02", 2023)
    assert (record.pages, record.chunks, record.path, record.content_hash, record.file_hash) == (2, 2, "corpus/barset-2023.txt", "h-barset-2023", "f-barset-2023")
    assert (record.authority, record.authority_key, record.framework, record.period) == ("Barset", "barset", "monitoring visit", "2023")
    assert record.uploaded == "2025-03-03" and record.accepted == ""
    assert record.report_facts == doc.facts and record.report_facts.of("lead_inspector").line == "Lead inspector: Ann Example"
    assert store.document_text("barset-2023") == chunks_of(doc, ["oversight", "caseloads"])[0].text
    assert store.page_starts("barset-2023") == [(0, 1), (len("Inspectors found that oversight is a strength.") + 2, 2)]
    assert store.document("elsewhere") is None and store.page_starts("elsewhere") == [] and store.document_text("elsewhere") == ""


def test_a_chunk_comes_back_as_it_was_stored(store):
    (first, second) = put(store, source("barset-2023", dt.date(2023, 8, 2)), ["oversight", "caseloads"])
    assert store.chunks([second.chunk_id, first.chunk_id, "missing"]) == [second, first]
    back = store.chunks([first.chunk_id])[0]
    assert back.sentence_vectors == first.sentence_vectors and back.sentence_templates == ("toversight",)
    assert store.chunks_at([("barset-2023", second.start + 3)]) == [second]
    assert store.vectors([first.chunk_id]) == {first.chunk_id: pytest.approx(AXES["oversight"])}


def test_replacing_a_document_replaces_its_chunks(store):
    doc = source("barset-2023", dt.date(2023, 8, 2))
    old = put(store, doc, ["oversight", "caseloads"])
    before = store.content_version()
    new = put(store, doc, ["leaders"], version="-v2")
    assert store.content_version() != before
    assert sorted(store.stored_chunk_ids()) == [c.chunk_id for c in new]  # none of the old left
    assert store.chunks([c.chunk_id for c in old]) == []
    assert [c.chunk_id for c in store.iter_chunks()] == [new[0].chunk_id]
    (record,) = store.documents()
    assert record.chunks == 1 and record.pages == 1


def test_writing_the_same_document_twice_stores_it_once(store):
    doc = source("barset-2023", dt.date(2023, 8, 2))
    put(store, doc, ["oversight", "caseloads"])
    put(store, doc, ["oversight", "caseloads"])
    assert store.count() == 2 and len(store.documents()) == 1


def test_query_scores_are_similarities_best_first(store):
    put(store, source("barset-2023", dt.date(2023, 8, 2)), ["oversight", "caseloads", "leaders"])
    hits = store.query([0.9, 0.1, 0.0, 0.0], 3)
    assert [c.chunk_id for c, _ in hits] == ["barset-2023:oversight", "barset-2023:caseloads", "barset-2023:leaders"]
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == pytest.approx(0.9 / (0.81 + 0.01) ** 0.5, abs=1e-5) and scores[2] == pytest.approx(0.0, abs=1e-5)
    assert [cid for cid, _ in store.nearest_ids(AXES["leaders"], 1)] == ["barset-2023:leaders"]


@pytest.fixture
def three_councils(store):
    put(store, source("barset-2014", dt.date(2014, 6, 30), kind="report"), ["oversight"])
    put(store, source("barset-2023", dt.date(2023, 8, 2)), ["oversight"])
    put(store, source("upton-2023", dt.date(2023, 9, 1), authority="Upton"), ["oversight"])
    return store


@pytest.mark.parametrize(
    "filters, expected",
    [
        (Filters(), {"barset-2014", "barset-2023", "upton-2023"}),
        (Filters(since=2020), {"barset-2023", "upton-2023"}),
        (Filters(until=2014), {"barset-2014"}),
        (Filters(since=2015, until=2022), set()),
        (Filters(kinds=("report",)), {"barset-2014"}),
        (Filters(authorities=("upton",)), {"upton-2023"}),
        (Filters(since=2020, authorities=("barset",)), {"barset-2023"}),
        (Filters(doc_ids=("barset-2014", "upton-2023"), kinds=("letter",)), {"upton-2023"}),
    ],
)
def test_filters_narrow_the_search_by_year_kind_and_council(three_councils, filters, expected):
    found = {c.doc_id for c, _ in three_councils.query(AXES["oversight"], 10, filters)}
    assert found == expected
    assert {d.doc_id for d in three_councils.documents() if filters.admits(d)} == expected
    assert {c.doc_id for c in three_councils.iter_chunks() if filters.admits(c)} == expected


def test_a_filtered_search_looks_within_the_catalogs_chunk_ids(three_councils, monkeypatch):
    """Chroma's metadata filter reads every chunk's row (150-450 ms at 47,000 chunks): a
    filtered search asks for the admitted documents' chunks by id instead; a document whose
    catalog record has no chunk list (an index written before lists were kept) falls back
    to the metadata filter, with the same result."""
    calls = []
    real = three_councils._call
    monkeypatch.setattr(three_councils, "_call", lambda *a, **kw: calls.append((a, kw)) or real(*a, **kw))
    hits = three_councils.query(AXES["oversight"], 10, Filters(since=2020, authorities=("barset",)))
    assert [c.chunk_id for c, _ in hits] == ["barset-2023:oversight"]
    (query,) = [kw for a, kw in calls if a[2] == "query"]
    assert query["ids"] == ["barset-2023:oversight"] and "where" not in query
    assert three_councils.query(AXES["oversight"], 10, Filters(since=2030)) == []  # nothing admitted: no search at all

    record = three_councils._call("read", "catalog", "get", ids=["barset-2023"], include=["metadatas", "documents"])
    meta = {**record["metadatas"][0], "chunk_ids": None}  # None deletes the key
    three_councils._call("write", "catalog", "upsert", ids=["barset-2023"], embeddings=[[0.0, 1.0]], documents=record["documents"], metadatas=[meta])
    three_councils._docs_cache = None
    calls.clear()
    hits = three_councils.query(AXES["oversight"], 10, Filters(since=2020, authorities=("barset",)))
    assert [c.chunk_id for c, _ in hits] == ["barset-2023:oversight"]
    (query,) = [kw for a, kw in calls if a[2] == "query"]
    assert "where" in query and "ids" not in query
    assert three_councils.chunks_at([("barset-2023", 5)])[0].chunk_id == "barset-2023:oversight"


def test_deleting_a_document_removes_its_record_and_chunks(three_councils):
    before = three_councils.content_version()
    assert three_councils.delete_document("barset-2023") == 1
    assert three_councils.content_version() != before
    assert [d.doc_id for d in three_councils.documents()] == ["barset-2014", "upton-2023"]
    assert "barset-2023:oversight" not in three_councils.stored_chunk_ids()
    assert {c.doc_id for c, _ in three_councils.query(AXES["oversight"], 10)} == {"barset-2014", "upton-2023"}
    assert three_councils.delete_document("barset-2023") == 0


def test_acceptance_is_recorded_on_the_document(store):
    put(store, source("barset-2023", dt.date(2023, 8, 2)), ["oversight"], uploaded="2025-03-03")
    store.set_accepted("barset-2023", "2025-03-04T10:00:00")
    assert store.document("barset-2023").accepted == "2025-03-04T10:00:00"
    assert store.documents()[0].accepted == "2025-03-04T10:00:00"  # the cached catalog was renewed
    with pytest.raises(IndexStoreError, match="not in the index"):
        store.set_accepted("elsewhere", "2025-03-04")


def test_documents_are_listed_oldest_first(store):
    put(store, source("b", dt.date(2023, 1, 1)), ["oversight"])
    put(store, source("a", dt.date(2010, 7, 28)), ["oversight"])
    assert [d.doc_id for d in store.documents()] == ["a", "b"]


def test_similarities_score_every_admitted_chunk_from_vectors_read_once(three_councils):
    calls = []
    real = three_councils._call
    three_councils._call = lambda *a, **kw: calls.append(a) or real(*a, **kw)
    sims = three_councils.similarities(AXES["oversight"], Filters(authorities=("barset",)), most=100)
    assert set(sims) == {"barset-2014:oversight", "barset-2023:oversight"}
    assert all(s == pytest.approx(1.0) for s in sims.values())
    assert [a[1:] for a in calls if a[1] == "chunks"] == [("chunks", "get")]  # the vectors, in one call
    calls.clear()
    assert three_councils.similarities(AXES["oversight"], Filters(authorities=("barset",)), most=100) == sims
    assert [a for a in calls if a[1] == "chunks"] == []  # kept: nothing read again
    assert three_councils.similarities(AXES["oversight"], Filters(authorities=("barset",)), most=1) is None  # too many
    assert three_councils.similarities(AXES["oversight"], Filters(since=2030), most=100) == {}


def test_a_write_the_disk_has_no_room_for_is_refused_before_anything_is_written(store, monkeypatch):
    import shutil
    from collections import namedtuple

    from rag.errors import IndexStoreError

    put(store, source("kept", dt.date(2020, 1, 1)), ["caseloads", "oversight"])
    before = {d.doc_id for d in store.documents()}, store.count()
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10 * 2**20, 10 * 2**20 - 200_000, 200_000))
    with pytest.raises(IndexStoreError) as refused:
        put(store, source("new", dt.date(2021, 1, 1)), ["caseloads", "oversight", "leaders"])
    assert "no space left" in str(refused.value) and "0.2 MB free" in str(refused.value) and "nothing was written" in str(refused.value)
    assert ({d.doc_id for d in store.documents()}, store.count()) == before
