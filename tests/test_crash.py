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
from rag.clean import clean
from rag.embed import Embedder
from rag.load import read_document
from rag.metadata import describe, load_manifest
from rag.pipeline import components, search
from rag.settings import load_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parent.parent
FILES = ["2010-07-28-ofsted-letter-contact-referral-assessment.txt", "2023-08-02-ofsted-letter-second-monitoring-visit.txt", "2024-12-04-ofsted-letter-fifth-monitoring-visit.txt", "manifest.toml"]


def expected_chunk_ids(corpus: Path, settings) -> set[str]:
    count = Embedder(settings.embed).count_tokens
    manifest = load_manifest(corpus)
    ids = set()
    for name in FILES[:-1]:
        path = corpus / name
        pages, _ = read_document(path)
        doc = describe(path.resolve(), path.read_bytes(), "", manifest[name])
        ids |= {c.chunk_id for c in chunk(clean(doc, pages), settings.chunk.max_tokens, count)}
    return ids


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
