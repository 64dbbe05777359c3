"""BM25 over the indexed chunks (bm25s), kept consistent with the Chroma collection.

The BM25 index is derived data: it is rebuilt from the collection whenever the
collection's content version changes, and cached on disk under
``index_dir/bm25/<collection>-<version>`` so a restart does not rebuild it. Several workers
sharing one Chroma server each rebuild from the same collection and so agree.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.store import ChromaStore, Filters
from rag.text import STOPWORDS, stem, words


# Words questions about any inspection documents use to ask, not to say what about. Words
# the library itself uses everywhere (a council's own name in its reports) are dropped by
# frequency instead (COMMON_SHARE), so nothing here is fitted to one corpus.
QUESTION_NOISE = frozenset(
    "say said says tell told inspectors inspector mention mentioned report reports letter letters "
    "document documents".split()
)
SNAPSHOT_FORMAT = 3  # bump when the snapshot saved on disk gains a field
COMMON_SHARE = 0.4  # a question word found in more than this share of chunks ranks nothing


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
    templates: dict[str, int] = field(default_factory=dict)  # sentence template -> documents using it
    names: frozenset[str] = frozenset()  # words the library writes only capitalised, mid-sentence
    words: dict[str, int] = field(default_factory=dict)  # every word the library uses (lower case) -> count
    starts: Any = None  # np.ndarray[int64]: each chunk's span in its document's text
    ends: Any = None

    def index(self) -> dict[str, int]:
        """Chunk id -> position, built once per snapshot."""
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = {cid: i for i, cid in enumerate(self.ids)}
            object.__setattr__(self, "_index", cached)
        return cached


def _inflection(word: str, other: str) -> bool:
    """'serve' and 'serves', 'review' and 'reviewed': the same word, not a typo of it."""
    short, long = sorted((word, other), key=len)
    return long.startswith(short) and long[len(short):] in {"s", "es", "d", "ed"}


def _join_pairs(text: str, one_word: Callable[[str, str], bool]) -> str:
    """``text`` with each pair of neighbouring lower-case words that ``one_word`` accepts
    written as one, pairs taken left to right ('have case loads' -> 'have caseloads')."""
    parts = re.split(r"(\s+)", text)
    out: list[str] = []
    i = 0
    while i < len(parts):
        a = parts[i]
        b = re.fullmatch(r"([a-z]{3,})([^\sA-Za-z]*)", parts[i + 2]) if i + 2 < len(parts) and parts[i + 1] == " " else None
        if b and re.fullmatch(r"[a-z]{3,}", a) and one_word(a, b.group(1)):
            out.append(a + b.group(1) + b.group(2))  # 'case loads?' -> 'caseloads?'
            i += 3
            continue
        out.append(a)
        i += 1
    return "".join(out)


def _within(a: str, b: str, limit: int) -> bool:
    """Edit distance (with transpositions) of a and b is at most ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return False
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return False
        prev2, prev = prev, cur
    return prev[-1] <= limit


def _templates(chunks: list[Any]) -> dict[str, int]:
    """Sentence template -> number of documents whose sentences use it (kept when >= 2)."""
    docs: dict[str, set[str]] = {}
    for c in chunks:
        for t in c.sentence_templates:
            docs.setdefault(t, set()).add(c.doc_id)
    return {t: len(d) for t, d in docs.items() if len(d) >= 2}


_CAPITAL_WORD = re.compile(r"(?<=[a-z,;:)] )([A-Z][a-z]{2,})\b")
_LOWER_WORD = re.compile(r"\b([a-z]{3,})\b")


def _names(chunks: list[Any]) -> frozenset[str]:
    """Words that appear capitalised after a lower-case word and never in lower case."""
    capital: set[str] = set()
    lower: set[str] = set()
    for c in chunks:
        capital.update(w.lower() for w in _CAPITAL_WORD.findall(c.text))
        lower.update(_LOWER_WORD.findall(c.text))
    return frozenset(capital - lower)


def _admits(snap: _Snapshot, filters: Filters | None) -> Any:
    """Boolean mask of the chunks the filters admit, or None when nothing is filtered; the
    last few masks are kept with the snapshot (a question asks with the same filters several
    times: dense, BM25, each document of a timeline)."""
    if not filters or filters.empty:
        return None
    masks = snap.__dict__.setdefault("_masks", {})
    mask = masks.get(filters)
    if mask is None:  # (threads may race here; each gets a correct mask)
        mask = _mask(snap, filters)
        if len(masks) >= 64:
            masks.clear()
        masks[filters] = mask
    return mask


def _mask(snap: _Snapshot, filters: Filters) -> Any:
    import numpy as np

    keep = np.ones(len(snap.ids), dtype=bool)
    if filters.since is not None:
        keep &= snap.years >= filters.since
    if filters.until is not None:
        keep &= snap.years <= filters.until
    if filters.kinds:
        keep &= np.isin(snap.kinds, list(filters.kinds))
    if filters.doc_ids:
        keep &= _rows(snap, "doc_ids", filters.doc_ids)
    if filters.authorities:
        keep &= _rows(snap, "authorities", filters.authorities)
    return keep


def _rows(snap: _Snapshot, column: str, values: tuple[str, ...]) -> Any:
    """Mask of the chunks whose ``column`` is one of ``values``, from positions grouped by
    value once per snapshot (a string comparison over every chunk costs milliseconds)."""
    import numpy as np

    groups = snap.__dict__.get(f"_rows_{column}")
    if groups is None:
        array = getattr(snap, column)
        order = np.argsort(array, kind="stable")
        names, starts = np.unique(array[order], return_index=True)
        bounds = list(starts[1:]) + [len(order)]
        groups = {str(n): order[a:b] for n, a, b in zip(names, starts, bounds)}
        object.__setattr__(snap, f"_rows_{column}", groups)
    keep = np.zeros(len(snap.ids), dtype=bool)
    for v in values:
        if v in groups:
            keep[groups[v]] = True
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
                folder = self.cache_dir / f"{self.store.name}-{version}-f{SNAPSHOT_FORMAT}"
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
            _templates(chunks),
            _names(chunks),
            dict(Counter(w for c in chunks for w in _LOWER_WORD.findall(c.text.lower()))),
            np.array([c.start for c in chunks], dtype=np.int64),
            np.array([c.end for c in chunks], dtype=np.int64),
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
                "templates": snap.templates, "names": sorted(snap.names), "words": snap.words,
                "starts": snap.starts.tolist(), "ends": snap.ends.tolist(),
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
            data.get("templates", {}),
            frozenset(data.get("names", ())),
            data.get("words", {}),
            np.array(data["starts"], dtype=np.int64),
            np.array(data["ends"], dtype=np.int64),
        )

    def search(self, question: str, n: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) best first; only chunks the filters admit."""
        import numpy as np

        snap = self._ensure()
        scores = self._scores(snap, question)
        if scores is None:
            return []
        keep = _admits(snap, filters)
        if keep is not None:
            scores = np.where(keep, scores, 0.0)
        k = min(n, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.lexsort((top, -scores[top]))]  # best first; ties by position, as before
        return [(snap.ids[int(i)], float(scores[i])) for i in top if scores[i] > 0]

    def _scores(self, snap: _Snapshot, question: str) -> Any:
        """Every chunk's BM25 score for the question (None when no term counts), kept for the
        last question asked, so a timeline's per-document searches score the library once."""
        cached = snap.__dict__.get("_last_scores")
        if cached is not None and cached[0] == question:
            return cached[1]
        scores = None
        if snap.ids:
            common = COMMON_SHARE * len(snap.ids)
            query = [t for t in query_tokens(question) if t in snap.bm25.vocab_dict and (snap.df.get(t, 0) <= common or len(snap.ids) < 50)]
            if query:
                scores = snap.bm25.get_scores(query)
        object.__setattr__(snap, "_last_scores", (question, scores))
        return scores

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

    def correct(self, text: str) -> str:
        """``text`` with its misspelt words replaced by the library's nearest common word
        ('managment' -> 'management', 'acording' -> 'according'): a word of five letters or
        more that the library never uses, one edit (two from nine letters) from one it does.
        Capitalised words (names) and words the library knows are left alone. Two words the
        library writes as one are joined ('case loads' -> 'caseloads', 'work force' -> 'workforce')."""
        snap = self._ensure()
        if not snap.words:
            return text

        text = _join_pairs(text, lambda a, b: len(a + b) >= 7 and snap.words.get(a + b, 0) >= 2)
        buckets = snap.__dict__.get("_buckets")
        if buckets is None:
            buckets = {}
            for w, n in snap.words.items():
                if n >= 2 and len(w) >= 4:
                    buckets.setdefault((w[0], len(w)), []).append(w)
            object.__setattr__(snap, "_buckets", buckets)

        def fix(m: re.Match[str]) -> str:
            word = m.group(0)
            low = word.lower()
            if len(low) < 5 or low in snap.words or (word[0].isupper() and word[1:].islower() and m.start() > 0):
                return word
            limit = 2 if len(low) >= 9 else 1
            best, best_n = None, 0
            for length in range(len(low) - limit, len(low) + limit + 1):
                for cand in buckets.get((low[0], length), ()):
                    if snap.words[cand] > best_n and _within(low, cand, limit) and not _inflection(low, cand):
                        best, best_n = cand, snap.words[cand]
            if best is None:
                return word
            return best.upper() if word.isupper() else (best.capitalize() if word[0].isupper() else best)

        return re.sub(r"[A-Za-z]+", fix, text)

    def boilerplate(self, template: str) -> bool:
        """Is this sentence template used by two or more documents (standard wording)?"""
        return self._ensure().templates.get(template, 0) >= 2

    def is_name(self, word: str) -> bool:
        """Does the library write ``word`` only as a name (capitalised mid-sentence, never in
        lower case)? 'Example' is a name; 'Safe' in 'the Keep Safe team' is not."""
        return word.lower() in self._ensure().names

    def frequency(self, word: str) -> int:
        """In how many chunks the library uses ``word`` (any form of it)."""
        return self._ensure().df.get(stem(word.lower()), 0)

    def seen(self, term: str) -> bool:
        """Does any indexed chunk contain this BM25 term?"""
        return self._ensure().df.get(term, 0) > 0

    def holding(self, places: list[tuple[str, int]]) -> list[str] | None:
        """The chunk id holding each (document id, character offset), from memory; None when
        a place is in no chunk the snapshot knows (the caller asks the store)."""
        import numpy as np

        snap = self._ensure()
        out: list[str] = []
        for doc_id, offset in places:
            hit = np.flatnonzero((snap.doc_ids == doc_id) & (snap.starts <= offset) & (snap.ends > offset))
            if not len(hit):
                return None
            out.append(snap.ids[int(hit[0])])
        return out

    def chunk_ids(self) -> list[str]:
        return list(self._ensure().ids)
