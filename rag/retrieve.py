"""Find the passages that answer a question: dense and BM25 rankings fused by reciprocal
rank fusion, within the years and kinds asked for, and for a change-over-time question the
best passages of every document in the window, oldest first.

Scores on the returned passages are RRF scores (higher is better); each passage also keeps
its dense similarity and BM25 score where that ranking saw it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from rag.errors import QuestionError
from rag.lexical import LexicalIndex
from rag.question import Library
from rag.records import Chunk, DocRecord, Filters, Passage, Query, QuestionFrame, TimeFrame
from rag.settings import RetrieveSettings
from rag.store import ChromaStore

POST_FILTER_MIN_SHARE = 0.02  # filters admitting less than this go to Chroma's own filter
POST_FILTER_MAX_POOL = 2000  # largest unfiltered pool taken to filter in memory


def plan(frame: QuestionFrame, settings: RetrieveSettings, library: Library, filters: Filters, k: int | None = None) -> Query:
    """Combine explicit filters with the time and the councils the question asks about."""
    documents = library.documents
    tf = frame.timeframe if settings.time_aware else TimeFrame()
    conflicts: list[str] = []
    since = _tighter(filters.since, tf.since, max)
    until = _tighter(filters.until, tf.until, min)
    if since is not None and until is not None and since > until:
        if filters.since is not None and filters.until is not None and filters.since > filters.until:
            raise QuestionError("since/until", f"the start year {filters.since} is after the end year {filters.until}")
        since, until = filters.since, filters.until  # the question's years clash: filters win
        conflicts.append("years")
    authorities = filters.authorities
    asked = tuple(k for key in frame.authorities for k in library.members(key))
    if asked and not authorities:
        authorities = asked
    elif asked and not set(asked) & set(authorities):
        conflicts.append("authority")  # the filters win, and the reader is told
    merged = replace(filters, since=since, until=until, authorities=authorities)
    groups: tuple[tuple[str, Filters], ...] = ()
    if frame.comparison and not filters.authorities:
        groups = tuple((key, replace(merged, authorities=library.members(key))) for key in frame.authorities)
    missing = ""
    if frame.visit is not None:
        # 'the fifth monitoring visit': the letter that says it reports that visit
        visits = [d for d in documents if d.report_facts.visit_number == frame.visit and merged.admits(d)]
        if visits:
            merged = replace(merged, doc_ids=tuple(d.doc_id for d in visits))
        elif any(d.report_facts.visit_number for d in documents):
            missing = f"The library holds no letter on the {frame.visit_words.lower()}."
    base = dict(frame=frame, groups=groups, conflicts=tuple(conflicts), missing=missing)
    if tf.bounded and documents and not any(merged.admits(d) for d in documents):
        # No document is dated in the years asked about ("at its peak in 2013"): the years
        # may name events, not documents, so search everything and let them rank instead.
        merged = replace(merged, since=filters.since, until=filters.until)
        tf = TimeFrame(change=tf.change)
        return Query(frame.text, k or settings.k, merged, tf, _window(documents, merged) if tf.change else (), years_unmatched=True, **base)
    if tf.latest and not groups:
        candidates = [d for d in documents if merged.admits(d) and d.date]
        if candidates:
            newest = max(candidates, key=lambda d: d.date)
            merged = replace(merged, doc_ids=(newest.doc_id,))
    return Query(frame.text, k or settings.k, merged, tf, _window(documents, merged) if tf.change else (), **base)


def _window(documents: Sequence[DocRecord], filters: Filters) -> tuple[DocRecord, ...]:
    return tuple(sorted((d for d in documents if filters.admits(d)), key=lambda d: (d.date or "9999", d.doc_id)))


def _tighter(a: int | None, b: int | None, pick: Callable[[int, int], int]) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return pick(a, b)


def fuse(rankings: Sequence[Sequence[str]], rrf_k: int) -> dict[str, float]:
    """Reciprocal rank fusion: sum over rankings of 1 / (rrf_k + rank)."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, cid in enumerate(ranking, start=1):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (rrf_k + rank)
    return scores


class Retriever:
    """Hybrid, time-aware search over one store."""

    def __init__(self, store: ChromaStore, lexical: LexicalIndex, embed_query: Callable[[str], list[float]], settings: RetrieveSettings) -> None:
        self.store = store
        self.lexical = lexical
        self.embed_query = embed_query
        self.settings = settings

    def run(self, query: Query, vector: list[float] | None = None) -> list[Passage]:
        """Passages for the query, best first (timelines: grouped by document, oldest first).
        ``vector``: the embedded ``query.ranking_text``, when the caller already has it."""
        text = query.ranking_text
        if vector is None and self.settings.mode != "bm25":
            vector = self.embed_query(text)
        if query.groups:  # a comparison: each council's best passages, side by side
            per = max(2, -(-query.k // len(query.groups)))
            passages = [p for _, only in query.groups for p in self._ranked(text, vector, only, per)]
            return [replace(p, rank=i) for i, p in enumerate(passages, start=1)]
        if query.is_timeline and query.window:
            per_doc = max(self.settings.per_document, -(-query.k // max(1, len(query.window))))
            if len(query.window) <= self.settings.exhaustive_window:
                # Each document is asked on its own, so none in the window is missed.
                passages: list[Passage] = []
                for doc in query.window:
                    only = replace(query.filters, doc_ids=(doc.doc_id,))
                    passages.extend(self._ranked(text, vector, only, per_doc))
            else:
                # A long window: one ranked pass over the whole window, then the best few of
                # each document, so the cost does not grow with the number of documents.
                pool = self._ranked(text, vector, query.filters, min(self.settings.max_pool, per_doc * len(query.window) * 3))
                order = {d.doc_id: i for i, d in enumerate(query.window)}
                taken: dict[str, int] = {}
                passages = []
                for p in sorted(pool, key=lambda p: (order.get(p.chunk.doc_id, len(order)), p.rank)):
                    if taken.get(p.chunk.doc_id, 0) < per_doc:
                        taken[p.chunk.doc_id] = taken.get(p.chunk.doc_id, 0) + 1
                        passages.append(p)
            return [replace(p, rank=i) for i, p in enumerate(passages, start=1)]
        return self._ranked(text, vector, query.filters, query.k)

    def _dense(self, vector: list[float], n: int, filters: Filters) -> list[tuple[Chunk, float]]:
        """The n nearest admitted chunks. Chroma's filtered query scans the metadata of every
        matching chunk, which grows with the corpus; when the filters admit a fair share of
        it, take a wider unfiltered nearest-neighbour pool (ids only) and filter it in memory."""
        share, admits = self.lexical.admitted(filters)
        if share >= 1.0:
            return self.store.query(vector, n, None)
        wide = int(n / max(share, 1e-9) * 2) + 1
        if share >= POST_FILTER_MIN_SHARE and wide <= POST_FILTER_MAX_POOL:
            pool = self.store.nearest_ids(vector, wide)
            kept = [(cid, sim) for cid, sim in pool if admits(cid)][:n]
            if len(kept) >= n or len(pool) < wide:  # enough, or the pool held every chunk
                sims = dict(kept)
                return [(c, sims[c.chunk_id]) for c in self.store.chunks([cid for cid, _ in kept])]
        return self.store.query(vector, n, filters)

    def _ranked(self, text: str, vector: list[float] | None, filters: Filters, k: int) -> list[Passage]:
        n = max(self.settings.candidates, k)
        dense: list[tuple[Chunk, float]] = []
        lexical: list[tuple[str, float]] = []
        if self.settings.mode in ("hybrid", "dense") and vector is not None:
            dense = self._dense(vector, n, filters)
        if self.settings.mode in ("hybrid", "bm25"):
            lexical = self.lexical.search(text, n, filters)
        dense_sim = {c.chunk_id: s for c, s in dense}
        lex_score = dict(lexical)
        rankings = [[c.chunk_id for c, _ in dense], [cid for cid, _ in lexical]]
        fused = fuse([r for r in rankings if r], self.settings.rrf_k)
        order = sorted(fused, key=lambda cid: (-fused[cid], -dense_sim.get(cid, -1.0), cid))[:k]
        known = {c.chunk_id: c for c, _ in dense}
        missing = [cid for cid in order if cid not in known]
        if missing:  # found by BM25 alone: fetch them, with vectors so "dense" means one thing
            for chunk, v in self.store.chunks_with_vectors(missing):
                known[chunk.chunk_id] = chunk
                if vector is not None:
                    dense_sim[chunk.chunk_id] = sum(a * b for a, b in zip(vector, v))
        return [
            Passage(known[cid], fused[cid], rank, dense_sim.get(cid), lex_score.get(cid))
            for rank, cid in enumerate(order, start=1)
            if cid in known
        ]
