"""Kill the ingest process (SIGKILL) at random points, ingest again, and check the index is
exactly what a clean ingest makes; queries during and after never fail."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag.chunk import chunk
from rag.clean import clean_pages
from rag.embed import Embedder
from rag.facts import read_facts
from rag.errors import IndexStoreError
from rag.load import read_document
from rag.metadata import describe, load_manifest
from rag.pipeline import components, search
from rag.records import CleanDoc
from rag.settings import load_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parent.parent
FILES = ["2010-07-28-ofsted-letter-contact-referral-assessment.txt", "2023-08-02-ofsted-letter-second-monitoring-visit.txt", "2024-12-04-ofsted-letter-fifth-monitoring-visit.txt", "manifest.toml"]


def chunk_ids_of(path: Path, entry: dict, settings, count) -> tuple[str, set[str]]:
    """(document id, chunk ids) of a file as a clean ingest makes them, stage by stage."""
    pages, _ = read_document(path)
    text, starts = clean_pages(pages)
    doc = describe(path.resolve(), path.read_bytes(), entry, read_facts(text, starts), text)
    return doc.doc_id, {c.chunk_id for c in chunk(CleanDoc(doc, text, tuple(starts)), settings.chunk.max_tokens, count)}


def expected_chunk_ids(corpus: Path, settings) -> set[str]:
    count = Embedder(settings.embed).count_tokens
    manifest = load_manifest(corpus)
    return set().union(*(chunk_ids_of(corpus / name, manifest[name], settings, count)[1] for name in FILES[:-1]))


def test_sigkill_during_ingest_then_reingest_converges(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in FILES:
        (corpus / name).write_bytes((ROOT / "corpus" / name).read_bytes())
    env = {**os.environ, "RAG_INDEX_DIR": str(tmp_path / "index"), "RAG_CORPUS_DIR": str(corpus), "PYTHONPATH": str(ROOT)}
    settings = load_settings(index_dir=tmp_path / "index", corpus_dir=corpus)
    rng = random.Random(20261123)
    query_errors = []
    for attempt in range(3):
        proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "ingest", "--quiet"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + rng.uniform(2.0, 9.0)
        while time.monotonic() < deadline and proc.poll() is None:
            if (tmp_path / "index").exists() and attempt > 0:
                try:
                    search("management oversight", settings)
                except IndexStoreError as exc:  # fine only while nothing has been committed yet
                    if "is empty" not in str(exc) or components(settings).store.documents():
                        query_errors.append(repr(exc))
                except Exception as exc:  # a query during ingest must not fail
                    query_errors.append(repr(exc))
            time.sleep(0.5)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        if attempt == 1:  # edit a file between crashes: the next run must replace it
            news = corpus / "2023-08-02-ofsted-letter-second-monitoring-visit.txt"
            news.write_text(news.read_text() + "\nA final added sentence about supervision.\n")
    final = subprocess.run([sys.executable, "-m", "rag.cli", "ingest", "--quiet"], env=env, capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, final.stderr

    store = components(settings).store
    chunks = list(store.iter_chunks())
    ids = [c.chunk_id for c in chunks]
    assert len(ids) == len(set(ids)), "duplicate chunks"
    assert set(ids) == expected_chunk_ids(corpus, settings), "index differs from a clean ingest"
    docs = {d.doc_id: d for d in store.documents()}
    assert {c.doc_id for c in chunks} == set(docs), "orphan chunks or empty documents"
    for doc_id, doc in docs.items():
        assert doc.chunks == sum(1 for c in chunks if c.doc_id == doc_id)
    assert search("management oversight", settings)
    assert query_errors == []


# -- a kill at each write boundary, not at random ---------------------------------------------

OLD = "2024-12-04-ofsted-letter-fifth-monitoring-visit.txt"  # edited: its replace is killed
NEW = "2023-08-02-ofsted-letter-second-monitoring-visit.txt"  # added: its first write is killed
GONE = "2010-07-28-ofsted-letter-contact-referral-assessment.txt"  # removed: its delete is killed


def chunks_by_doc(corpus: Path, names: list[str], settings) -> dict[str, set[str]]:
    count = Embedder(settings.embed).count_tokens
    manifest = load_manifest(corpus)
    return dict(chunk_ids_of(corpus / name, manifest[name], settings, count) for name in names)


def visible(settings) -> tuple[dict[str, set[str]], dict[str, int], list[str]]:
    """What a reader sees now, read by a new store: chunks by document, the catalog's chunk
    counts, and every chunk id stored (visible or not)."""
    from rag.store import ChromaStore

    store = ChromaStore(settings)
    by_doc: dict[str, set[str]] = {}
    for c in store.iter_chunks():
        by_doc.setdefault(c.doc_id, set()).add(c.chunk_id)
    return by_doc, {d.doc_id: d.chunks for d in store.documents()}, store.stored_chunk_ids()


def run_ingest(env: dict, crash_at: str | None = None) -> int:
    env = {**env, "RAG_CRASH_AT": crash_at} if crash_at else dict(env)
    done = subprocess.run([sys.executable, "-m", "rag.cli", "ingest", "--quiet"], env=env, capture_output=True, text=True, timeout=600)
    return done.returncode


@pytest.mark.parametrize(
    "crash_at, torn",
    [
        ("chunks-written", "the new document's chunks are written, its catalog record is not"),
        ("chunks-written:2", "the edited document's new chunks are written, its record still names the old ones"),
        ("catalog-written", "the new document is committed; nothing else has run"),
        ("catalog-written:2", "the edited document is committed; its old chunks are not yet deleted"),
        ("catalog-deleted", "the removed document's record is gone; its chunks and the stamp are not"),
    ],
)
def test_a_kill_at_each_write_boundary_leaves_the_old_or_the_new_version(tmp_path, crash_at, torn):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in (OLD, GONE, "manifest.toml"):
        (corpus / name).write_bytes((ROOT / "corpus" / name).read_bytes())
    env = {**os.environ, "RAG_INDEX_DIR": str(tmp_path / "index"), "RAG_CORPUS_DIR": str(corpus), "PYTHONPATH": str(ROOT), "RAG_SWEEP_AFTER_S": "0"}
    settings = load_settings(index_dir=tmp_path / "index", corpus_dir=corpus, sweep_after_s=0)
    assert run_ingest(env) == 0
    old = chunks_by_doc(corpus, [OLD, GONE], settings)

    (corpus / NEW).write_bytes((ROOT / "corpus" / NEW).read_bytes())
    (corpus / OLD).write_text((corpus / OLD).read_text() + "\nA final added sentence about supervision.\n")
    if crash_at == "catalog-deleted":
        (corpus / GONE).unlink()
    new = chunks_by_doc(corpus, [OLD, NEW] + ([] if crash_at == "catalog-deleted" else [GONE]), settings)

    assert run_ingest(env, crash_at) == -signal.SIGKILL, f"the ingest did not reach {crash_at}"
    seen, catalog, stored = visible(settings)
    assert set(seen) == set(catalog), f"{torn}: chunks of documents the library does not list, or the reverse"
    for doc_id, ids in seen.items():
        assert ids in (old.get(doc_id), new.get(doc_id)), f"{torn}: {doc_id} is neither its old nor its new version"
        assert catalog[doc_id] == len(ids)
    answers = search("supervision and management oversight", settings, k=20)
    assert {p.chunk.doc_id for p in answers} <= set(catalog) and all(p.chunk.chunk_id in seen[p.chunk.doc_id] for p in answers)

    assert run_ingest(env) == 0  # and after the next ingest (its sweep included): the new state, nothing else stored
    seen, catalog, stored = visible(settings)
    assert seen == new and sorted(stored) == sorted(set().union(*new.values())), f"{torn}: orphans left after the sweep"
