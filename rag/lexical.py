"""BM25 over the indexed chunks (bm25s), kept consistent with the Chroma collection.

The BM25 index is derived data: it is rebuilt from the collection whenever the
collection's content version changes, and cached on disk under
``index_dir/bm25/<collection>-<version>`` so a restart does not rebuild it. Several workers
sharing one Chroma server each rebuild from the same collection and so agree.
"""

from __future__ import annotations

import json
import math
import shutil
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from rag.records import Chunk
from rag.store import ChromaStore, Filters
from rag.text import STOPWORDS, stem, words


# Words every question about these documents may use and every document contains.
QUESTION_NOISE = frozenset(
    "say said says tell told inspectors inspector ofsted herefordshire mention mentioned "
    "report reports letter letters document documents".split()
)


def tokens(text: str) -> list[str]:
    """BM25 terms: lower-case words and numbers, stopwords out, lightly stemmed."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]


def query_tokens(text: str) -> list[str]:
    return [t for t in tokens(" ".join(w for w in words(text) if w not in QUESTION_NOISE))]


class LexicalIndex:
    """BM25 search that follows the store's content version."""

    CHECK_EVERY_S = 2.0

    def __init__(self, store: ChromaStore, cache_dir: Path) -> None:
        self.store = store
        self.cache_dir = cache_dir / "bm25"
        self._lock = threading.Lock()
        self._version: str | None = None
        self._checked_at = 0.0
        self._bm25: Any = None
        self._ids: list[str] = []
        self._years: Any = None
        self._kinds: list[str] = []
        self._doc_ids: list[str] = []
        self._df: dict[str, int] = {}

    def invalidate(self) -> None:
        self._checked_at = 0.0

    def _ensure(self) -> None:
        now = time.monotonic()
        if self._bm25 is not None and now - self._checked_at < self.CHECK_EVERY_S:
            return
        with self._lock:
            version = self.store.content_version()
            self._checked_at = time.monotonic()
            if version == self._version:
                return
            folder = self.cache_dir / f"{self.store.name}-{version}"
            if not self._load(folder):
                self._build(folder)
            self._version = version

    def _build(self, folder: Path) -> None:
        import bm25s
        import numpy as np

        chunks = list(self.store.iter_chunks())
        self._ids = [c.chunk_id for c in chunks]
        self._years = np.array([c.year for c in chunks], dtype=np.int32)
        self._kinds = [c.kind for c in chunks]
        self._doc_ids = [c.doc_id for c in chunks]
        corpus = [tokens(f"{c.section} {c.text}") or ["∅"] for c in chunks]
        self._df = dict(Counter(t for doc in corpus for t in set(doc)))
        bm25 = bm25s.BM25()
        if corpus:
            bm25.index(corpus, show_progress=False)
        self._bm25 = bm25
        try:
            if folder.parent.exists():
                for old in folder.parent.glob(f"{self.store.name}-*"):
                    shutil.rmtree(old, ignore_errors=True)
            folder.mkdir(parents=True, exist_ok=True)
            if corpus:
                bm25.save(str(folder))
            (folder / "chunks.json").write_text(
                json.dumps({"ids": self._ids, "years": self._years.tolist(), "kinds": self._kinds, "doc_ids": self._doc_ids, "df": self._df})
            )
        except OSError:
            pass  # a read-only cache only costs a rebuild next start

    def _load(self, folder: Path) -> bool:
        import bm25s
        import numpy as np

        meta = folder / "chunks.json"
        if not meta.is_file():
            return False
        try:
            data = json.loads(meta.read_text())
            self._bm25 = bm25s.BM25.load(str(folder)) if data["ids"] else bm25s.BM25()
        except Exception:
            return False
        self._ids = data["ids"]
        self._years = np.array(data["years"], dtype=np.int32)
        self._kinds = data["kinds"]
        self._doc_ids = data["doc_ids"]
        self._df = data.get("df", {})
        return True

    def search(self, question: str, n: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) best first; only chunks the filters admit."""
        import numpy as np

        self._ensure()
        if not self._ids:
            return []
        vocab = self._bm25.vocab_dict
        query = [t for t in query_tokens(question) if t in vocab]
        if not query:
            return []
        mask = None
        if filters and (filters.since is not None or filters.until is not None or filters.kinds or filters.doc_ids):
            mask = np.ones(len(self._ids), dtype=np.float32)
            if filters.since is not None:
                mask *= self._years >= filters.since
            if filters.until is not None:
                mask *= self._years <= filters.until
            if filters.kinds:
                mask *= np.array([k in filters.kinds for k in self._kinds], dtype=np.float32)
            if filters.doc_ids:
                wanted = set(filters.doc_ids)
                mask *= np.array([d in wanted for d in self._doc_ids], dtype=np.float32)
            if not mask.any():
                return []
        k = min(n, len(self._ids))
        docs, scores = self._bm25.retrieve([query], k=k, weight_mask=mask, show_progress=False, n_threads=1)
        out = []
        for idx, score in zip(docs[0], scores[0]):
            if score > 0 and (mask is None or mask[int(idx)] > 0):
                out.append((self._ids[int(idx)], float(score)))
        return out

    def idf(self, term: str) -> float:
        """Inverse document frequency of a BM25 term; an unseen term weighs most."""
        self._ensure()
        n = len(self._ids)
        return math.log(1 + (n + 1) / (self._df.get(term, 0) + 0.5))

    def seen(self, term: str) -> bool:
        """Does any indexed chunk contain this BM25 term?"""
        self._ensure()
        return self._df.get(term, 0) > 0

    def chunk_ids(self) -> list[str]:
        self._ensure()
        return list(self._ids)


def chunk_tokens(chunk: Chunk) -> list[str]:
    return tokens(f"{chunk.section} {chunk.text}")
