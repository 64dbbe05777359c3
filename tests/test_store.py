"""The Chroma store itself: reopening under concurrent readers, and what readers may see."""

import threading

from rag import pipeline
from rag.lexical import LexicalIndex
from rag.retrieve import Retriever
from rag.settings import load_settings
from rag.store import ChromaStore


def test_reopen_is_safe_under_concurrent_readers(tmp_path, corpus_copy, fake_embedder, monkeypatch):
    """A reopen (after another process changed the index) used to clear chromadb's shared
    client cache and null the collections while other threads were reading: 7 of 523
    requests failed under load ('RustBindingsAPI' object has no attribute 'bindings', a
    KeyError on the index path). Eight readers and a thread that keeps reopening: no errors."""
    settings = load_settings(index_dir=tmp_path / "idx", corpus_dir=corpus_copy)
    store = ChromaStore(settings)
    lexical = LexicalIndex(store, settings.index_dir)
    parts = pipeline.Components(store, fake_embedder, lexical, Retriever(store, lexical, fake_embedder.encode_query, settings.retrieve))
    monkeypatch.setattr(pipeline, "components", lambda _settings: parts)
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
