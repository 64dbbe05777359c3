"""Compose the answer a member of staff reads, from the inspectors' own sentences.

The default (extractive) answerer cannot invent: every answer sentence is a verbatim
sentence of a retrieved passage, chosen for how well it answers the question, never
repeated, and cited. Change-over-time questions get one block per document, oldest first,
naming documents with nothing on the subject. When no sentence answers the question well
enough, the answer abstains and lists the nearest matches instead.

    >>> import rag
    >>> a = rag.ask("What did inspectors say about caseloads in 2014?")  # doctest: +SKIP
    >>> a.citations[0].paragraph                                         # doctest: +SKIP
    '57'
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rag.cite import PageStarts, cite, quote_spans
from rag.embed import unpack
from rag.lexical import query_tokens, tokens
from rag.records import Answer, AnswerSentence, Citation, Passage, TimelineEntry, format_date
from rag.retrieve import Query
from rag.settings import Settings
from rag.text import normalize_ws

Idf = Callable[[str], float]

ABSTAIN_TEXT = (
    "The documents don't say. None of the indexed reports answers this question well "
    "enough to quote; the nearest matches are listed below in case they help."
)
DENSE_WEIGHT = 0.45


@dataclass(frozen=True)
class Candidate:
    """A sentence of a passage, scored for how well it answers the question."""

    passage: Passage
    start: int  # offsets in the chunk text
    end: int
    score: float
    coverage: float

    @property
    def text(self) -> str:
        return self.passage.chunk.text[self.start : self.end]


def score_sentences(question: str, passages: Sequence[Passage], idf: Idf, query_vector: Sequence[float] | None = None) -> list[Candidate]:
    """Every quotable sentence of the passages, best answer first.

    Score = (1 - w) * IDF-weighted share of the question's terms found in the sentence
    (terms found only in its section heading count half) + w * the sentence's own dense
    similarity to the question (its vector pooled in context at ingest; the passage's
    similarity where a chunk has no sentence vectors).
    """
    import numpy as np

    terms = sorted(set(query_tokens(question)))
    weights = {t: idf(t) for t in terms}
    total = sum(weights.values()) or 1.0
    q = np.asarray(query_vector, dtype=np.float32) if query_vector is not None else None
    out = []
    for p in passages:
        section_terms = set(tokens(p.chunk.section))
        spans = quote_spans(p.chunk)
        sims = None
        if q is not None and p.chunk.sentence_vectors and len(p.chunk.sentences) == len(spans):
            sims = unpack(p.chunk.sentence_vectors, len(q)) @ q
        for i, (a, b) in enumerate(spans):
            sentence_terms = set(tokens(p.chunk.text[a:b]))
            got = sum(w if t in sentence_terms else (0.5 * w if t in section_terms else 0.0) for t, w in weights.items())
            coverage = got / total if terms else 0.0
            dense = float(sims[i]) if sims is not None else (p.dense or 0.0)
            out.append(Candidate(p, a, b, (1 - DENSE_WEIGHT) * coverage + DENSE_WEIGHT * max(0.0, dense), coverage))
    out.sort(key=lambda c: (-c.score, c.passage.rank, c.start))
    return out


def _similar(a: str, b: str) -> bool:
    ta, tb = set(tokens(a)), set(tokens(b))
    if not ta or not tb:
        return a == b
    return len(ta & tb) / len(ta | tb) > 0.6 or normalize_ws(a) in normalize_ws(b) or normalize_ws(b) in normalize_ws(a)


def pick(candidates: Sequence[Candidate], n: int, floor: float) -> list[Candidate]:
    """The best ``n`` candidates at or above ``floor``, none repeating another."""
    chosen: list[Candidate] = []
    for c in candidates:
        if len(chosen) >= n or c.score < floor:
            break
        if any(_similar(c.text, o.text) for o in chosen):
            continue
        chosen.append(c)
    return chosen


def answer(query: Query, passages: Sequence[Passage], settings: Settings, *, mode: str = "extractive", page_starts: PageStarts | None = None, idf: Idf | None = None, query_vector: Sequence[float] | None = None) -> Answer:
    """The answer to ``query`` from ``passages``; ``mode='llm'`` asks the configured LLM
    and verifies it, falling back to this extractive answer."""
    t0 = time.perf_counter()
    idf = idf or (lambda _t: 1.0)
    candidates = score_sentences(query.ranking_text, passages, idf, query_vector)
    result = (
        _timeline(query, candidates, passages, settings, page_starts)
        if query.is_timeline and query.window
        else _plain(query, candidates, passages, settings, page_starts)
    )
    result.timings["compose"] = time.perf_counter() - t0
    if mode == "llm":
        from rag import llm

        result = llm.llm_answer(query, passages, settings, fallback=result, page_starts=page_starts)
    return result


def _floor(settings: Settings, best: float) -> float:
    """Sentences much weaker than the best one add noise, not evidence."""
    return max(settings.answer.abstain_below, best * 0.6)


def _plain(query: Query, candidates: Sequence[Candidate], passages: Sequence[Passage], settings: Settings, page_starts: PageStarts | None) -> Answer:
    best = candidates[0].score if candidates else 0.0
    if best < settings.answer.abstain_below:
        return _abstain(query, candidates, passages, settings, page_starts)
    chosen = pick(candidates, settings.answer.max_sentences, _floor(settings, best))
    citations = [cite(i, c.passage, c.start, c.end, page_starts) for i, c in enumerate(chosen, start=1)]
    sentences = [AnswerSentence(normalize_ws(c.text), (i,)) for i, c in enumerate(chosen, start=1)]
    text = " ".join(f"{s.text} [{s.citations[0]}]" for s in sentences)
    return Answer(query.text, text, False, "extractive", sentences, citations, list(passages), settings.hash())


def _timeline(query: Query, candidates: Sequence[Candidate], passages: Sequence[Passage], settings: Settings, page_starts: PageStarts | None) -> Answer:
    per_doc = settings.answer.per_document_sentences
    best = candidates[0].score if candidates else 0.0
    if best < settings.answer.abstain_below:
        return _abstain(query, candidates, passages, settings, page_starts)
    entries: list[TimelineEntry] = []
    citations: list[Citation] = []
    sentences: list[AnswerSentence] = []
    blocks: list[str] = []
    floor = settings.answer.abstain_below
    for doc in query.window:
        mine = [c for c in candidates if c.passage.chunk.doc_id == doc.doc_id]
        chosen = pick(mine, per_doc, max(floor, (mine[0].score if mine else 0) * 0.6))
        chosen.sort(key=lambda c: c.passage.chunk.start + c.start)  # the document's own order
        heading = f"{format_date(doc.date) or 'Undated'} ({doc.kind}): {doc.title}"
        doc_sentences = []
        for c in chosen:
            number = len(citations) + 1
            citations.append(cite(number, c.passage, c.start, c.end, page_starts))
            doc_sentences.append(AnswerSentence(normalize_ws(c.text), (number,)))
        sentences.extend(doc_sentences)
        entries.append(TimelineEntry(doc.doc_id, doc.title, doc.kind, doc.date, tuple(doc_sentences)))
        if doc_sentences:
            blocks.append(heading + "\n" + " ".join(f"{s.text} [{s.citations[0]}]" for s in doc_sentences))
        else:
            blocks.append(heading + f"\nThe {doc.year or 'undated'} {doc.kind} does not address this.")
    summary = _direction(entries)
    text = "\n\n".join(blocks) + (f"\n\n{summary}" if summary else "")
    return Answer(query.text, text, False, "extractive", sentences, citations, list(passages), settings.hash(), timeline=entries, summary=summary)


def _direction(entries: Sequence[TimelineEntry]) -> str:
    """One line from the cited sentences themselves: the earliest and the latest evidence."""
    with_evidence = [e for e in entries if e.sentences]
    if len(with_evidence) < 2:
        return ""
    first, last = with_evidence[0], with_evidence[-1]
    a, b = first.sentences[0], last.sentences[0]
    return (
        f"Direction of travel: in {first.date[:4]} the {first.kind} said \"{a.text}\" [{a.citations[0]}]; "
        f"by {last.date[:4]} the {last.kind} said \"{b.text}\" [{b.citations[0]}]."
    )


def _abstain(query: Query, candidates: Sequence[Candidate], passages: Sequence[Passage], settings: Settings, page_starts: PageStarts | None) -> Answer:
    nearest = pick(candidates, 3, -math.inf)
    citations = [cite(i, c.passage, c.start, c.end, page_starts) for i, c in enumerate(nearest, start=1)]
    return Answer(query.text, ABSTAIN_TEXT, True, "extractive", [], citations, list(passages), settings.hash())
