"""Find the passages that answer a question: dense and BM25 rankings fused by reciprocal
rank fusion, within the years and kinds asked for, and for a change-over-time question the
best passages of every document in the window, oldest first.

Scores on the returned passages are RRF scores (higher is better); each passage also keeps
its dense similarity and BM25 score where that ranking saw it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from rag.errors import QuestionError
from rag.lexical import LexicalIndex
from rag.question import Library
from rag.records import DocRecord, Filters, Passage, Query, QuestionFrame, TimeFrame
from rag.settings import RetrieveSettings
from rag.store import ChromaStore
from rag.vocabulary import MONTH_RE, YEAR_RE, format_date, month_year

POST_FILTER_MIN_SHARE = 0.02  # filters admitting less than this go to Chroma's own filter
POST_FILTER_MAX_POOL = 2000  # largest unfiltered pool taken to filter in memory
SCAN_MAX = 6000  # most chunks whose similarities are all taken at once (a window, a council)


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
    missing = misnumbered = ""
    if frame.visit is not None:
        # 'the fifth monitoring visit': the letter that says it reports that visit
        visits = [d for d in documents if d.report_facts.visit_number == frame.visit and merged.admits(d)]
        months = {" ".join(m.lower().split()) for m in re.findall(rf"\b({MONTH_RE}\s+{YEAR_RE})\b", frame.text, re.I)}
        numbered = [d for d in documents if d.report_facts.visit_number and merged.admits(d) and months & _months_of(d)]
        if visits:
            merged = replace(merged, doc_ids=tuple(d.doc_id for d in visits))
        elif len(numbered) == 1:
            # 'the third visit, in August 2023' when the one letter of that month (sent or
            # visiting) reports the second: a false premise; that letter answers, its own
            # number said first
            merged = replace(merged, doc_ids=(numbered[0].doc_id,))
            misnumbered = numbered[0].doc_id
        elif any(d.report_facts.visit_number for d in documents) or not any(d.framework == "monitoring visit" for d in documents if merged.admits(d)):
            # the library numbers its visit letters and none is that one, or it holds no
            # monitoring visit letter at all where the question looks (a council's full
            # reports only); a letter whose number was not read leaves it unsaid
            missing = f"The library holds no letter on the {frame.visit_words.lower()}."
    base = dict(frame=frame, groups=groups, conflicts=tuple(conflicts), missing=missing, misnumbered=misnumbered)
    if tf.bounded and not merged.doc_ids and (since, until) != (filters.since, filters.until):
        merged = _inspected_within(documents, merged, since, until)
    if tf.bounded and documents and not any(merged.admits(d) for d in documents):
        # No document is dated in the years asked about ("at its peak in 2013"): the years
        # may name events, not documents, so search everything and let them rank instead.
        merged = replace(merged, since=filters.since, until=filters.until)
        dated = [d for d in documents if merged.admits(d) and d.year]
        if frame.asks and dated and tf.since is not None and tf.since > max(d.year for d in dated) and not base["missing"]:
            # a report fact of a year after every report held: an inspection not yet reported
            newest = max(dated, key=lambda d: d.date)
            base["missing"] = f"No report in the library is from {tf.since}{'' if tf.until in (None, tf.since) else f'-{tf.until}'}: the newest is of {format_date(newest.date)}."
        tf = TimeFrame(change=tf.change)
        return Query(frame.text, k or settings.k, merged, tf, _window(documents, merged) if tf.change else (), years_unmatched=True, **base)
    if tf.latest and not groups:
        candidates = [d for d in documents if merged.admits(d) and d.date]
        if candidates:
            newest = max(candidates, key=lambda d: d.date)
            merged = replace(merged, doc_ids=(newest.doc_id,))
    return Query(frame.text, k or settings.k, merged, tf, _window(documents, merged) if tf.change else (), **base)


def _months_of(d: DocRecord) -> set[str]:
    """'August 2023' for each month a document was published or its inspection took place."""
    f = d.report_facts
    return {month_year(x).lower() for x in (d.date, f.published, f.inspection_start, f.inspection_end) if x and month_year(x)}


def _inspected_within(documents: Sequence[DocRecord], merged: Filters, since: int | None, until: int | None) -> Filters:
    """The years a question names admit a report inspected then as well as one published
    then ('the November 2017 inspection' is the report published in January 2018): when
    that adds documents, the filter names the documents instead of the years."""
    def within(d: DocRecord) -> bool:
        start, end = d.report_facts.inspection_start, d.report_facts.inspection_end or d.report_facts.inspection_start
        years = {int(x[:4]) for x in (start, end) if x[:4].isdigit()}
        return any((since is None or y >= since) and (until is None or y <= until) for y in years)

    yearless = replace(merged, since=None, until=None)
    extra = [d for d in documents if not merged.admits(d) and yearless.admits(d) and within(d)]
    if not extra:
        return merged
    return replace(yearless, doc_ids=tuple(d.doc_id for d in documents if merged.admits(d)) + tuple(d.doc_id for d in extra))


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
        ``vector``: the embedded ``query.ranking_text``, when the caller already has it.
        Rankings are made on ids and scores; the chunks chosen are read in one call."""
        text = query.ranking_text
        if vector is None and self.settings.mode != "bm25":
            vector = self.embed_query(text)
        if query.groups:  # a comparison: each council's best passages, side by side
            per = max(2, -(-query.k // len(query.groups)))
            chosen = [s for _, only in query.groups for s in self._ranked(text, vector, only, per, self._scan(vector, only))]
        elif query.spans_window:
            per_doc = max(self.settings.per_document, -(-query.k // max(1, len(query.window))))
            if len(query.window) <= self.settings.exhaustive_window:
                # Each document is asked on its own, so none in the window is missed; the
                # window's similarities are taken in one call and shared.
                sims = self._scan(vector, replace(query.filters, doc_ids=tuple(d.doc_id for d in query.window)))
                chosen = []
                for doc in query.window:
                    only = replace(query.filters, doc_ids=(doc.doc_id,))
                    chosen.extend(self._ranked(text, vector, only, per_doc, sims))
            else:
                # A long window: one ranked pass over the whole window, then the best few of
                # each document, so the cost does not grow with the number of documents.
                pool = self._ranked(text, vector, query.filters, min(self.settings.max_pool, per_doc * len(query.window) * 3))
                chunks = {c.chunk_id: c for c in self.store.chunks([s.chunk_id for s in pool])}
                order = {d.doc_id: i for i, d in enumerate(query.window)}
                taken: dict[str, int] = {}
                chosen = []
                for s in sorted((s for s in pool if s.chunk_id in chunks), key=lambda s: (order.get(chunks[s.chunk_id].doc_id, len(order)), s.rank)):
                    doc = chunks[s.chunk_id].doc_id
                    if taken.get(doc, 0) < per_doc:
                        taken[doc] = taken.get(doc, 0) + 1
                        chosen.append(s)
        else:
            chosen = self._ranked(text, vector, query.filters, query.k)
        return self._passages(chosen, vector)

    def _scan(self, vector: list[float] | None, filters: Filters) -> dict[str, float] | None:
        """Every admitted chunk's similarity, when the filters admit few enough to score all."""
        if vector is None or self.settings.mode == "bm25" or filters.empty:
            return None
        return self.store.similarities(vector, filters, SCAN_MAX)

    def _dense(self, vector: list[float], n: int, filters: Filters, sims: dict[str, float] | None = None) -> list[tuple[str, float]]:
        """(chunk id, similarity) of the n nearest admitted chunks. Chroma's filtered query
        scans the metadata of every matching chunk, which grows with the corpus; when the
        filters admit a fair share of it, take a wider unfiltered nearest-neighbour pool and
        filter it in memory; when they admit few chunks, score them all (``sims``)."""
        share, admits = self.lexical.admitted(filters)
        if share >= 1.0:
            return self.store.nearest_ids(vector, n)
        if sims is None:
            wide = int(n / max(share, 1e-9) * 2) + 1
            if share >= POST_FILTER_MIN_SHARE and wide <= POST_FILTER_MAX_POOL:
                pool = self.store.nearest_ids(vector, wide)
                kept = [(cid, sim) for cid, sim in pool if admits(cid)][:n]
                if len(kept) >= n or len(pool) < wide:  # enough, or the pool held every chunk
                    return kept
            sims = self.store.similarities(vector, filters, SCAN_MAX)
            if sims is None:  # too many, or documents without chunk lists: Chroma's filter
                return [(c.chunk_id, sim) for c, sim in self.store.query(vector, n, filters)]
        return sorted(((cid, sim) for cid, sim in sims.items() if admits(cid)), key=lambda x: (-x[1], x[0]))[:n]

    def _ranked(self, text: str, vector: list[float] | None, filters: Filters, k: int, sims: dict[str, float] | None = None) -> list[_Scored]:
        """The k best admitted chunk ids by fused rank, with the scores each ranking gave."""
        n = max(self.settings.candidates, k)
        dense: list[tuple[str, float]] = []
        lexical: list[tuple[str, float]] = []
        if self.settings.mode in ("hybrid", "dense") and vector is not None:
            dense = self._dense(vector, n, filters, sims)
        if self.settings.mode in ("hybrid", "bm25"):
            lexical = self.lexical.search(text, n, filters)
        dense_sim = dict(dense)
        lex_score = dict(lexical)
        fused = fuse([r for r in ([cid for cid, _ in dense], [cid for cid, _ in lexical]) if r], self.settings.rrf_k)
        order = sorted(fused, key=lambda cid: (-fused[cid], -dense_sim.get(cid, -1.0), cid))[:k]
        known = sims or {}
        return [_Scored(cid, fused[cid], rank, dense_sim.get(cid, known.get(cid)), lex_score.get(cid)) for rank, cid in enumerate(order, start=1)]

    def _passages(self, chosen: Sequence[_Scored], vector: list[float] | None) -> list[Passage]:
        """The chosen chunks read in one call (with their vectors when a BM25-only find
        needs its similarity, so "dense" means one thing), ranked in the order chosen."""
        ids = list(dict.fromkeys(s.chunk_id for s in chosen))
        dense_sim = {s.chunk_id: s.dense for s in chosen if s.dense is not None}
        if vector is not None and any(cid not in dense_sim for cid in ids):
            read = self.store.chunks_with_vectors(ids)
            chunks = {c.chunk_id: c for c, _ in read}
            for c, v in read:
                dense_sim.setdefault(c.chunk_id, sum(a * b for a, b in zip(vector, v)))
        else:
            chunks = {c.chunk_id: c for c in self.store.chunks(ids)}
        out: list[Passage] = []
        for s in chosen:
            if s.chunk_id in chunks:
                out.append(Passage(chunks[s.chunk_id], s.score, len(out) + 1, dense_sim.get(s.chunk_id), s.lexical))
        return out


@dataclass(frozen=True)
class _Scored:
    """A ranked chunk id before its chunk is read."""

    chunk_id: str
    score: float
    rank: int
    dense: float | None
    lexical: float | None
