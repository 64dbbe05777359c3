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
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rag.answer_facts import answer_from_facts
from rag.cite import PageStarts, cite, quote_spans
from rag.embed import unpack
from rag.lexical import query_tokens, tokens
from rag.records import Answer, AnswerSentence, Citation, Passage, TimelineEntry, format_date
from rag.retrieve import Query
from rag.settings import Settings
from rag.store import DocRecord
from rag.text import normalize_ws

Idf = Callable[[str], float]
Seen = Callable[[str], bool]

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


def score_sentences(question: str, passages: Sequence[Passage], idf: Idf, query_vector: Sequence[float] | None = None, seen: Seen | None = None) -> list[Candidate]:
    """Every quotable sentence of the passages, best answer first.

    Score = (1 - w) * IDF-weighted share of the question's terms found in the sentence
    (terms found only in its section heading count half) + w * the sentence's own dense
    similarity to the question (its vector pooled in context at ingest; the passage's
    similarity where a chunk has no sentence vectors).
    """
    import numpy as np

    # A word the documents never use cannot be matched, only paraphrased: the dense part
    # judges those (names the documents never use are caught by unknown_names).
    terms = sorted(t for t in set(query_tokens(question)) if seen is None or seen(t))
    weights = {t: idf(t) for t in terms}
    total = sum(weights.values()) or 1.0
    q = np.asarray(query_vector, dtype=np.float32) if query_vector is not None else None
    question_terms = set(tokens(question))
    shape = _wanted_shape(question)
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
            score = (1 - DENSE_WEIGHT) * coverage + DENSE_WEIGHT * max(0.0, dense)
            # A sentence that only repeats the question ("This was the fifth monitoring
            # visit") tells the reader nothing new; one of the shape asked for (a name for
            # "who", a date for "when", a grade for "what judgement") likely answers it.
            novelty = len(sentence_terms - question_terms) / max(1, len(sentence_terms))
            if novelty < 0.4:
                score *= 0.85
            if shape is not None and shape.search(p.chunk.text[a:b]):
                score += SHAPE_BONUS
            out.append(Candidate(p, a, b, score, coverage))
    out.sort(key=lambda c: (-c.score, c.passage.rank, c.start))
    return out


_NUMBER_WORDS = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|thousand|half|quarter|dozen|several|few)"
_DATE = re.compile(
    r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{4}\b|\b(?:19|20)\d\d\b"
)
_EXPECTS = [  # (what the question asks for, what an answer sentence must contain)
    ("money", re.compile(r"\bhow much\b.*\b(spen[dt]|pa(y|id)|cost|budget|fund|invest)|\b(budget|spending|cost)\b.*\b(what|how much)\b|\b(what|how much) .*\b(budget|spending|cost)\b", re.I),
     re.compile(r"£|\bpounds?\b|\bmillion\b|\d%|\bper ?cent\b", re.I)),
    ("percent", re.compile(r"\b(what|which) (percentage|proportion|share|fraction)\b|\bper ?cent(age)?\b", re.I),
     re.compile(r"\d\s*%|\bper ?cent\b|\b(half|quarter|third|thirds)\b", re.I)),
    ("duration", re.compile(r"\bhow long\b", re.I),
     re.compile(r"(\d+|\b" + _NUMBER_WORDS + r")\s+(hours?|days?|weeks?|months?|years?)\b", re.I)),
    ("number", re.compile(r"\bhow many\b|\b(what|which) (number|average|total)\b|\baverage (number|caseload)\b", re.I),
     re.compile(r"\d|\b" + _NUMBER_WORDS + r"\b", re.I)),
]


_PREMISE = re.compile(r"^\s*(why (did|was|were|had|has|have|is|are|do|does)\b|given that\b)", re.I)
PREMISE_LEEWAY = 0.85


def threshold(question: str, settings: Settings) -> float:
    """The abstention threshold for this question. A question built on a premise ("why did
    the letter praise ...?") shares fewer words with the passage that contradicts it, so
    it gets some leeway: quoting that passage is the answer."""
    base = settings.answer.abstain_below
    return base * PREMISE_LEEWAY if _PREMISE.search(question) else base


def expects(question: str) -> tuple[str, re.Pattern[str]] | None:
    """The kind of value a question asks for ('how many' -> a number), if any."""
    for name, asks, shows in _EXPECTS:
        if asks.search(question):
            return name, shows
    return None


def unknown_names(question: str, seen: Seen) -> list[str]:
    """Names in the question (capitalised words past the first) the documents never use."""
    names = re.findall(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-zA-Z]{2,}|[A-Z]{2,})\b", question.strip())
    return [n for n in names if not any(seen(t) for t in tokens(n))]


SHAPE_BONUS = 0.08
_NOT_NAMES = (
    "Herefordshire|Council|County|Ofsted|Children|Childrens|Services|Service|Education|Act|Board|Department|"
    "Local|Authority|Safeguarding|Inspectors?|Majesty|Majesty's|His|Her|Director|Corporate|Interim|Chief|Executive|"
    "Cabinet|Member|Government|Families|Commission|Team|Get|Safe|Multi|Agency|Hub|Framework|Common|Assessment|"
    "Young|People|Lead|Plough|Lane|Offices|Hereford|Monitoring|Visit|The|This|These|Since|In|At|On|For|A|An|And"
)
_PERSON = re.compile(rf"\b(?:(?:Mr|Mrs|Ms|Miss|Dr|Cllr|Coun)\.?\s+)?(?!(?:{_NOT_NAMES})\b)[A-Z][a-z]+\s+(?!(?:{_NOT_NAMES})\b)[A-Z][a-z]+\b")
_WHEN = re.compile(
    r"\b\d{1,2}(?:\s*(?:and|-|–)\s*\d{1,2})?\s+(?:January|February|March|April|May|June|July|August|September|October|November|December)\b|"
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+(?:\d{1,2}\b|(?:19|20)\d\d)"
)
_GRADE = re.compile(r"\b(outstanding|good|requires improvement|inadequate|adequate|performs poorly)\b", re.I)


def _wanted_shape(question: str) -> re.Pattern[str] | None:
    """What an answer to this question looks like, where the question says."""
    q = question.strip().lower()
    if re.match(r"(who|whom|whose)\b", q) or re.search(r"\b(which|what) (inspectors?|person|people|director|officer)\b", q):
        return _PERSON
    if re.match(r"when\b", q) or re.search(r"\b(what|which) (date|dates|day|month)\b|\bon what dates?\b", q):
        return _WHEN
    if re.search(r"\b(grade|judg(e)?ment|rating|rated|judged|verdict)\b", q):
        return _GRADE
    return None


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


def answer(query: Query, passages: Sequence[Passage], settings: Settings, *, mode: str = "extractive", page_starts: PageStarts | None = None, idf: Idf | None = None, seen: Seen | None = None, query_vector: Sequence[float] | None = None, documents: Sequence[DocRecord] = (), document_text: Callable[[str], str] | None = None) -> Answer:
    """The answer to ``query`` from ``passages``: extractive, or with ``mode='llm'`` the
    configured LLM's answer verified against them, falling back to the extractive one.

    ``idf`` weighs question terms, ``seen`` says whether the corpus uses a term at all
    (both from the BM25 index); ``query_vector`` is the embedded ``query.ranking_text``.
    """
    t0 = time.perf_counter()
    frame = query.frame
    if frame is not None and frame.unknown_authorities and not query.filters.authorities:
        names = ", ".join(frame.unknown_authorities)
        result = Answer(query.text, f"The library has no reports on {names}.", True, "extractive", [], [], list(passages), settings.hash())
        result.notice = f"No document in the library is about {names}; nothing from other councils is offered as an answer."
        result.timings["compose"] = time.perf_counter() - t0
        return result
    if document_text is not None and (facts := answer_from_facts(query, documents, settings, document_text)) is not None:
        facts.passages = list(passages)
        facts.timings["compose"] = time.perf_counter() - t0
        return facts
    idf = idf or (lambda _t: 1.0)
    ranked = score_sentences(query.ranking_text, passages, idf, query_vector, seen)
    candidates = ranked
    missing = unknown_names(query.text, seen) if seen else []
    wanted = expects(query.text)
    if wanted and not (query.is_timeline and query.window):
        candidates = [c for c in candidates if wanted[1].search(_DATE.sub(" ", c.text))]
    if query.years_unmatched:  # no document is dated then: the evidence must name the year
        years = set(re.findall(r"\b(?:19|20)\d\d\b", query.text))
        candidates = [c for c in candidates if years & set(re.findall(r"\b(?:19|20)\d\d\b", c.passage.chunk.text))]
    if missing:
        result = _abstain(query, ranked, passages, settings, page_starts)
        result.notice = f"The documents never mention {', '.join(missing)}."
    elif query.is_timeline and query.window:
        result = _timeline(query, candidates, passages, settings, page_starts)
    else:
        result = _plain(query, candidates, passages, settings, page_starts)
    if result.abstained and not result.citations and ranked:  # nearest matches, whatever they say
        result.citations = _abstain(query, ranked, passages, settings, page_starts).citations
    if query.years_unmatched and not result.notice:
        result.notice = "No document is dated in the years asked about, so every document was searched."
    result.timings["compose"] = time.perf_counter() - t0
    if mode == "llm":
        from rag import llm

        result = llm.llm_answer(query, passages, settings, fallback=result, page_starts=page_starts)
    return result


def _floor(question: str, settings: Settings, best: float) -> float:
    """Sentences much weaker than the best one add noise, not evidence."""
    return max(threshold(question, settings), best * 0.6)


def _plain(query: Query, candidates: Sequence[Candidate], passages: Sequence[Passage], settings: Settings, page_starts: PageStarts | None) -> Answer:
    best = candidates[0].score if candidates else 0.0
    if best < threshold(query.text, settings):
        return _abstain(query, candidates, passages, settings, page_starts)
    chosen = pick(candidates, settings.answer.max_sentences, _floor(query.text, settings, best))
    citations = [cite(i, c.passage, c.start, c.end, page_starts) for i, c in enumerate(chosen, start=1)]
    sentences = [AnswerSentence(normalize_ws(c.text), (i,)) for i, c in enumerate(chosen, start=1)]
    text = " ".join(f"{s.text} [{s.citations[0]}]" for s in sentences)
    return Answer(query.text, text, False, "extractive", sentences, citations, list(passages), settings.hash())


def _timeline(query: Query, candidates: Sequence[Candidate], passages: Sequence[Passage], settings: Settings, page_starts: PageStarts | None) -> Answer:
    per_doc = settings.answer.per_document_sentences
    best = candidates[0].score if candidates else 0.0
    floor = threshold(query.text, settings)
    if best < floor:
        return _abstain(query, candidates, passages, settings, page_starts)
    entries: list[TimelineEntry] = []
    citations: list[Citation] = []
    sentences: list[AnswerSentence] = []
    blocks: list[str] = []
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
