"""The briefing stage: an induction brief on one topic, every statement quoted and cited.

The pipeline retrieves for the topic and answers it as a change-over-time question, as the
chat does; this stage turns those passages and that answer into a handout (``Brief``):

    1. a timeline, oldest document first, naming documents that say nothing on the topic;
    2. strengths recognised and areas for improvement or priority action (``rag.classify``);
    3. the judgement context (grades, "judged inadequate in July 2022"; ``rag.judgements``);
    4. quiz questions whose answers are the cited sentences themselves (``rag.quiz``);
    5. the sources, with full titles and dates; the citations are numbered notes.

    >>> b = rag.pipeline.build_brief("management oversight", load_settings())   # doctest: +SKIP
    >>> [row.date[:4] for row in b.timeline]                                     # doctest: +SKIP
    ['2010', '2014', '2023', '2023', '2024']

Export lives in ``rag.export``; ``rag brief TOPIC`` (``rag.cli``) does both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from rag.answer import pick, score_sentences, threshold
from rag.cite import cite
from rag.classify import classify
from rag.errors import QuestionError
from rag.judgements import Documents, judgement_citations
from rag.lexical import query_tokens, tokens
from rag.quiz import quiz_questions
from rag.records import IMPROVEMENT, STRENGTH, Answer, Brief, Citation, Judgement, Passage, Quote, Source, TimelineRow
from rag.retrieve import Query
from rag.settings import Settings
from rag.store import DocRecord, Filters
from rag.text import normalize_ws
from rag.timeframe import TimeFrame

TIMELINE_SENTENCES = 3  # per document
PASSAGES_PER_DOCUMENT = 6
LIST_ITEMS = 8  # strengths, and areas for improvement, each
MIN_COVERAGE = 0.7  # IDF-weighted share of the topic's terms a listed sentence must contain
MAX_TOPIC_CHARS = 200
_SUGGEST = "`rag brief --suggest` lists some"


class _Notes:
    """The brief's numbered citations: one number per quoted span, in order of first use."""

    def __init__(self) -> None:
        self.citations: list[Citation] = []
        self._by_span: dict[tuple[str, int, int], int] = {}

    def add(self, citation: Citation) -> int:
        key = (citation.doc_id, citation.start, citation.end)
        if key not in self._by_span:
            self.citations.append(replace(citation, number=len(self.citations) + 1))
            self._by_span[key] = len(self.citations)
        return self._by_span[key]

    def quote(self, citation: Citation, role: str | None = None, basis: str = "") -> Quote:
        """The quote of ``citation``; ``role`` None: classify it (strength, improvement)."""
        if role is None:
            role, basis = classify(citation.quote, citation.section)
        return Quote(readable(citation.quote), self.add(citation), role, basis)


def readable(quote: str) -> str:
    """A quote as read: whitespace collapsed, an unmatched quotation mark at either end dropped."""
    text = normalize_ws(quote)
    for mark in ('"', "“", "”"):
        if text.count(mark) == 1 and mark in (text[:1], text[-1:]):
            text = text.strip(mark).strip()
    return text


def topic_coverage(weights: dict[str, float], sentence: str, section: str = "") -> float:
    """IDF-weighted share of the topic's terms (``weights``: term -> idf) in a sentence; a
    term only in its section heading counts half.

    >>> topic_coverage({"dental": 3.0, "health": 3.0}, "Health records are kept.")
    0.5
    """
    if not weights:
        return 0.0
    have, heading = set(tokens(sentence)), set(tokens(section))
    got = sum(w if t in have else (0.5 * w if t in heading else 0.0) for t, w in weights.items())
    return got / (sum(weights.values()) or 1.0)


def clean_topic(topic: object) -> str:
    """The topic with whitespace collapsed and unprintable characters gone; QuestionError
    when it is empty or longer than a few words."""
    if not isinstance(topic, str) or not normalize_ws(topic):
        raise QuestionError("topic", "The topic is empty: type a topic such as 'management oversight', or pick a suggested one.", help=_SUGGEST)
    text = normalize_ws("".join(ch if ch.isprintable() else " " for ch in topic))
    if len(text) > MAX_TOPIC_CHARS:
        raise QuestionError("topic", f"The topic is {len(text)} characters long; a topic is a few words (up to {MAX_TOPIC_CHARS} characters).")
    return text


def brief_query(topic: str, filters: Filters, window: Sequence[DocRecord]) -> Query:
    """The retrieval a brief needs: the chat's change-over-time question, with more passages
    per document."""
    return Query(topic, PASSAGES_PER_DOCUMENT * len(window), filters, TimeFrame(change=True), tuple(window))


def timeline_settings(settings: Settings) -> Settings:
    """``settings`` for the timeline's answer: a sentence more per document than the chat's."""
    return settings.model_copy(update={"answer": settings.answer.model_copy(update={"per_document_sentences": TIMELINE_SENTENCES})})


def _nothing_to_quote(topic: str, hint: str) -> QuestionError:
    return QuestionError("topic", f"No document says enough about \u2018{topic}\u2019 to quote{hint}: try a suggested topic.", help=_SUGGEST)


def run(
    query: Query, passages: Sequence[Passage], timeline: Answer, settings: Settings, *,
    documents: Documents, idf: Callable[[str], float], seen: Callable[[str], bool], query_vector: Sequence[float] | None = None,
) -> Brief:
    """The brief on ``query.text`` from the passages retrieved for ``query`` and the answer
    (``timeline``) to it as a change-over-time question; ``documents`` reads the judgements.

    Raises QuestionError when no document in ``query.window`` says enough on the topic to quote.
    """
    topic, window, filters = query.text, query.window, query.filters
    if timeline.abstained or not timeline.timeline:
        raise _nothing_to_quote(topic, f" ({timeline.notice})" if timeline.notice else "")
    # A document "addresses" the topic only where a quote holds most of the topic's words,
    # those the documents never use included: a sentence on "health records" does not
    # address "dental health", however near its meaning.
    weights = {t: idf(t) for t in set(query_tokens(topic))}
    by_number = {c.number: c for c in timeline.citations}
    about = {n for n, c in by_number.items() if topic_coverage(weights, c.quote, c.section) >= MIN_COVERAGE}
    if not any(s.citations[0] in about for e in timeline.timeline for s in e.sentences):
        unused = sorted(t for t in weights if not seen(t))
        raise _nothing_to_quote(topic, " (they never use " + ", ".join(f"\u2018{t}\u2019" for t in unused) + ")" if unused else "")
    notes = _Notes()
    rows = tuple(
        TimelineRow(e.doc_id, e.title, e.kind, e.date, tuple(notes.quote(by_number[s.citations[0]]) for s in e.sentences if s.citations[0] in about))
        for e in timeline.timeline
    )
    lists = _strengths_and_improvements(topic, passages, settings, weights, notes, window, documents, idf, seen, query_vector)
    speaking = [row.doc_id for row in rows if row.quotes]
    cited_sections = {(c.doc_id, c.section) for c in notes.citations}
    judgements = tuple(
        Judgement(d.doc_id, d.kind, d.date, notes.quote(citation, role=""), cells)
        for d, citation, cells in judgement_citations(documents, [d for d in window if d.doc_id in speaking], cited_sections, topic)
    )
    quiz = tuple(quiz_questions(rows, lists[STRENGTH], lists[IMPROVEMENT], judgements, notes.citations, window, topic))
    used = {c.doc_id for c in notes.citations}
    sources = tuple(Source(d.doc_id, d.title, d.kind, d.date, d.source_note, d.doc_id in used) for d in window)
    return Brief(
        topic, filters.since, filters.until, tuple(filters.kinds), rows, lists[STRENGTH], lists[IMPROVEMENT],
        judgements, quiz, sources, tuple(notes.citations), settings.hash(),
    )


def _strengths_and_improvements(
    topic: str, passages: Sequence[Passage], settings: Settings, weights: dict[str, float], notes: _Notes,
    window: Sequence[DocRecord], documents: Documents, idf: Callable[[str], float], seen: Callable[[str], bool],
    query_vector: Sequence[float] | None,
) -> dict[str, tuple[Quote, ...]]:
    """Every sentence of the passages that is about the topic, filed as strength or
    improvement (up to LIST_ITEMS each), in document order."""
    floor = threshold(topic, settings)
    scored = score_sentences(topic, passages, idf, query_vector, seen, by_document=True)  # the timeline's passages
    listed: dict[str, list[tuple[Citation, str]]] = {STRENGTH: [], IMPROVEMENT: []}
    for c in pick([c for c in scored if topic_coverage(weights, c.text, c.passage.chunk.section) >= MIN_COVERAGE], 4 * LIST_ITEMS, floor):
        citation = cite(0, c.passage, c.start, c.end, documents.page_starts)
        role, basis = classify(citation.quote, citation.section)
        if role and len(listed[role]) < LIST_ITEMS:
            listed[role].append((citation, basis))
    order = {d.doc_id: i for i, d in enumerate(window)}
    return {
        role: tuple(notes.quote(c, role, basis) for c, basis in sorted(items, key=lambda x: (order[x[0].doc_id], x[0].start)))
        for role, items in listed.items()
    }
