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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class _Snapshot:
    """One consistent BM25 index and the chunk facts its filters need; swapped whole."""

    version: str
    bm25: Any
    ids: list[str]
    years: Any  # np.ndarray[int32]
    kinds: Any  # np.ndarray[str]
    doc_ids: Any  # np.ndarray[str]
    df: dict[str, int]
    authorities: Any = None  # np.ndarray[str]

    def index(self) -> dict[str, int]:
        """Chunk id -> position, built once per snapshot."""
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = {cid: i for i, cid in enumerate(self.ids)}
            object.__setattr__(self, "_index", cached)
        return cached


def _admits(snap: _Snapshot, filters: Filters | None) -> Any:
    """Boolean mask of the chunks the filters admit, or None when nothing is filtered."""
    import numpy as np

    if not filters or filters.empty:
        return None
    keep = np.ones(len(snap.ids), dtype=bool)
    if filters.since is not None:
        keep &= snap.years >= filters.since
    if filters.until is not None:
        keep &= snap.years <= filters.until
    if filters.kinds:
        keep &= np.isin(snap.kinds, list(filters.kinds))
    if filters.doc_ids:
        keep &= np.isin(snap.doc_ids, list(filters.doc_ids))
    if filters.authorities:
        keep &= np.isin(snap.authorities, list(filters.authorities))
    return keep


class LexicalIndex:
    """BM25 search that follows the store's content version. Thread-safe: searches read one
    immutable snapshot while a rebuild makes the next one."""

    CHECK_EVERY_S = 2.0

    def __init__(self, store: ChromaStore, cache_dir: Path) -> None:
        self.store = store
        self.cache_dir = cache_dir / "bm25"
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._checked_at = 0.0

    def invalidate(self) -> None:
        self._checked_at = 0.0

    def _ensure(self) -> _Snapshot:
        snap = self._snapshot
        if snap is not None and time.monotonic() - self._checked_at < self.CHECK_EVERY_S:
            return snap
        # One thread checks and rebuilds; the others go on with the snapshot they have
        # (a rebuild takes seconds on a large index) rather than queue behind it.
        if not self._lock.acquire(blocking=snap is None):
            return snap  # type: ignore[return-value]
        try:
            version = self.store.content_version()
            snap = self._snapshot
            if snap is None or snap.version != version:
                folder = self.cache_dir / f"{self.store.name}-{version}"
                snap = self._load(folder, version) or self._build(folder, version)
                self._snapshot = snap
            self._checked_at = time.monotonic()
            return snap
        finally:
            self._lock.release()

    def _build(self, folder: Path, version: str) -> _Snapshot:
        import bm25s
        import numpy as np

        chunks = list(self.store.iter_chunks())
        corpus = [tokens(f"{c.section} {c.text}") or ["∅"] for c in chunks]
        bm25 = bm25s.BM25()
        if corpus:
            bm25.index(corpus, show_progress=False)
        snap = _Snapshot(
            version,
            bm25,
            [c.chunk_id for c in chunks],
            np.array([c.year for c in chunks], dtype=np.int32),
            np.array([c.kind for c in chunks], dtype=str),
            np.array([c.doc_id for c in chunks], dtype=str),
            dict(Counter(t for doc in corpus for t in set(doc))),
            np.array([c.authority for c in chunks], dtype=str),
        )
        try:
            if folder.parent.exists():
                for old in folder.parent.glob(f"{self.store.name}-*"):
                    shutil.rmtree(old, ignore_errors=True)
            folder.mkdir(parents=True, exist_ok=True)
            if corpus:
                bm25.save(str(folder))
            (folder / "chunks.json").write_text(json.dumps({
                "ids": snap.ids, "years": snap.years.tolist(), "kinds": snap.kinds.tolist(),
                "doc_ids": snap.doc_ids.tolist(), "df": snap.df, "authorities": snap.authorities.tolist(),
            }))
        except OSError:
            pass  # a read-only cache only costs a rebuild next start
        return snap

    def _load(self, folder: Path, version: str) -> _Snapshot | None:
        import bm25s
        import numpy as np

        meta = folder / "chunks.json"
        if not meta.is_file():
            return None
        try:
            data = json.loads(meta.read_text())
            bm25 = bm25s.BM25.load(str(folder)) if data["ids"] else bm25s.BM25()
        except Exception:
            return None
        return _Snapshot(
            version, bm25, data["ids"], np.array(data["years"], dtype=np.int32),
            np.array(data["kinds"], dtype=str), np.array(data["doc_ids"], dtype=str), data.get("df", {}),
            np.array(data.get("authorities", [""] * len(data["ids"])), dtype=str),
        )

    def search(self, question: str, n: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) best first; only chunks the filters admit."""
        import numpy as np

        snap = self._ensure()
        if not snap.ids:
            return []
        query = [t for t in query_tokens(question) if t in snap.bm25.vocab_dict]
        if not query:
            return []
        mask = None
        keep = _admits(snap, filters)
        if keep is not None:
            if not keep.any():
                return []
            mask = keep.astype(np.float32)
        k = min(n, len(snap.ids))
        docs, scores = snap.bm25.retrieve([query], k=k, weight_mask=mask, show_progress=False, n_threads=1)
        return [
            (snap.ids[int(i)], float(score))
            for i, score in zip(docs[0], scores[0])
            if score > 0 and (mask is None or mask[int(i)] > 0)
        ]

    def admitted(self, filters: Filters) -> tuple[float, Any]:
        """(share of chunks the filters admit, a test 'is this chunk id admitted?'), from the
        in-memory snapshot, so a dense search can filter without Chroma scanning metadata."""
        snap = self._ensure()
        keep = _admits(snap, filters)
        if keep is None or not snap.ids:
            return 1.0, lambda _cid: True
        index = snap.index()
        return float(keep.mean()), lambda cid: cid in index and bool(keep[index[cid]])

    def idf(self, term: str) -> float:
        """Inverse document frequency of a BM25 term; an unseen term weighs most."""
        snap = self._ensure()
        return math.log(1 + (len(snap.ids) + 1) / (snap.df.get(term, 0) + 0.5))

    def frequency(self, word: str) -> int:
        """In how many chunks the library uses ``word`` (any form of it)."""
        return self._ensure().df.get(stem(word.lower()), 0)

    def seen(self, term: str) -> bool:
        """Does any indexed chunk contain this BM25 term?"""
        return self._ensure().df.get(term, 0) > 0

    def chunk_ids(self) -> list[str]:
        return list(self._ensure().ids)
