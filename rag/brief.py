"""Induction briefs: a handout on one topic for trainers, every statement quoted and cited.

A brief is built only from the documents' own sentences, found the way chat answers are
(retrieve -> score sentences -> cite), so it can be handed out and checked:

    1. a timeline, oldest document first, naming documents that say nothing on the topic;
    2. strengths recognised and areas for improvement or priority action, sorted by the
       documents' own headings ("Strengths", "Areas for development", ...) or, failing
       that, by cue words ("effective", "improved" against "inconsistent", "too", "not");
    3. the judgement context (grades, "judged inadequate in July 2022") where relevant;
    4. quiz questions whose answers are the cited sentences themselves;
    5. the sources, with full titles and dates; the citations are numbered notes.

    >>> b = build_brief("management oversight", load_settings())   # doctest: +SKIP
    >>> [row.date[:4] for row in b.timeline]                          # doctest: +SKIP
    ['2010', '2014', '2023', '2023', '2024']

Export lives in ``rag.export``; ``rag brief TOPIC`` (``main`` below) does both.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from rag import vocabulary
from rag.errors import QuestionError, RagError
from rag.records import Chunk, Citation, Passage, format_date
from rag.settings import Settings
from rag.store import DocRecord
from rag.text import STOPWORDS, normalize_ws, sentence_spans, stem, words

TIMELINE_SENTENCES = 3  # per document
PASSAGES_PER_DOCUMENT = 6
LIST_ITEMS = 8  # strengths, and areas for improvement, each
QUIZ_MIN, QUIZ_TARGET, QUIZ_MAX = 5, 8, 10
MIN_COVERAGE = 0.7  # IDF-weighted share of the topic's terms a listed sentence must contain
MAX_TOPIC_CHARS = 200

STRENGTH, IMPROVEMENT = "strength", "improvement"


# -- records ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    """A verbatim sentence of a document, and the number of the note that cites it."""

    text: str  # the sentence as read: whitespace collapsed, nothing else changed
    note: int
    role: str = ""  # strength | improvement | "" (neither)
    basis: str = ""  # why it was filed under ``role``: a heading, or cue words


@dataclass(frozen=True)
class TimelineRow:
    """What one document says on the topic; no quotes: the document says nothing on it."""

    doc_id: str
    title: str
    kind: str
    date: str
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class Judgement:
    """A judgement statement, quoted. ``cells`` splits a judgement-table row (area, grade)."""

    doc_id: str
    kind: str
    date: str
    quote: Quote
    cells: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuizQuestion:
    """A question whose answer is a cited sentence; ``key`` is the part of it that answers."""

    question: str
    answer: Quote
    key: str


@dataclass(frozen=True)
class Source:
    doc_id: str
    title: str
    kind: str
    date: str
    source_note: str
    cited: bool


@dataclass(frozen=True)
class Brief:
    """Everything a handout shows, in order. ``notes[n - 1]`` is the citation of note ``n``."""

    topic: str
    since: int | None
    until: int | None
    kinds: tuple[str, ...]
    timeline: tuple[TimelineRow, ...]
    strengths: tuple[Quote, ...]
    improvements: tuple[Quote, ...]
    judgements: tuple[Judgement, ...]
    quiz: tuple[QuizQuestion, ...]
    sources: tuple[Source, ...]
    notes: tuple[Citation, ...]
    settings_hash: str
    created: str = field(default_factory=lambda: dt.date.today().isoformat())

    def note(self, number: int) -> Citation:
        return self.notes[number - 1]

    def quotes(self) -> list[Quote]:
        """Every quote in the brief, quiz answers included (they repeat earlier quotes)."""
        out = [q for row in self.timeline for q in row.quotes]
        out += [*self.strengths, *self.improvements, *(j.quote for j in self.judgements)]
        return out + [q.answer for q in self.quiz]

    @property
    def scope(self) -> str:
        """'all years', 'from 2014', '2014 to 2023', '2014; letter only'."""
        if self.since is None and self.until is None:
            years = "all years"
        elif self.until is None:
            years = f"from {self.since}"
        elif self.since is None:
            years = f"up to {self.until}"
        else:
            years = f"{self.since} to {self.until}" if self.since != self.until else f"{self.since}"
        return years + (f"; {', '.join(self.kinds)} only" if self.kinds else "")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- classification -----------------------------------------------------------------------

_STRENGTH_HEADING = re.compile(r"\bstrengths?\b|\bgood practice\b", re.I)
_IMPROVE_HEADING = re.compile(
    r"\bareas? for (?:development|improvement)\b|\bpriority (?:and immediate )?action|\bneeds? to improve\b|\bweakness", re.I
)
_NEGATIVE = re.compile(
    r"\b(?:not|too|inconsistent(?:ly)?|inconsistency|variable|vary|varies|weak(?:ness|nesses|er)?|poor(?:er|ly)?|inadequate|"
    r"insufficient(?:ly)?|lack(?:s|ing)?|limited|delays?|delayed|drift|fragile|slow(?:ly)?|under-?developed|"
    r"needs? (?:further )?improvement|needs? to improve|requires? improvement|fail(?:s|ed|ure)?|unacceptable|"
    r"over-optimistic|prematurely|hamper(?:s|ed)?|undermined|gaps?|only now|few|ensure that|ensure)\b",
    re.I,
)
_POSITIVE = re.compile(
    r"\b(?:effective(?:ly)?|good|improved|improving|improvements?|robust|strong(?:er|ly)?|strengthened|well|timely|"
    r"prompt(?:ly)?|positive(?:ly)?|better|clear(?:er)?|thorough|valued|benefit(?:s|ed)?|comprehensive|"
    r"appropriate(?:ly)?|supportive|manageable|decisive|embedded|committed|high quality)\b",
    re.I,
)
_NEGATOR = re.compile(r"\b(?:not|few|no|never|rarely|lack of)\b(?:\s+[\w'’-]+){0,3}\s+$", re.I)
_WEAK_CUES = {"not", "too", "well", "ensure", "ensure that", "vary", "varies"}  # true, but poor quiz blanks


def classify(sentence: str, section: str = "") -> tuple[str, str]:
    """(role, basis): is the sentence a strength, an area for improvement, or neither ("")?

    The document's own heading decides first ("Strengths", "Areas for development", "Area
    for priority action", "The local authority has the following strengths"); otherwise
    cue words do, critical cues winning ties, as inspectors' "improving, but inconsistent"
    is a finding about what still needs to change.

    >>> classify("Morale is high.", "Strengths")
    ('strength', "listed under 'Strengths'")
    >>> classify("Supervision is improving, but remains inconsistent.")
    ('improvement', 'cue words: inconsistent; improving')
    """
    strong, weak = bool(_STRENGTH_HEADING.search(section)), bool(_IMPROVE_HEADING.search(section))
    if strong != weak:
        return (STRENGTH if strong else IMPROVEMENT), f"listed under '{normalize_ws(section)}'"
    main = main_clause(sentence)
    if main != sentence and (_NEGATIVE.search(main) or _POSITIVE.search(main)):
        sentence = main
    negative = [m.group(0).lower() for m in _NEGATIVE.finditer(sentence)]
    rest = _NEGATIVE.sub(lambda m: "\u0000" * len(m.group(0)), sentence)  # "needs improvement" is no "improvement"
    positive = []
    for m in _POSITIVE.finditer(rest):
        # "not well managed", "few examples of good practice": a negated praise is a criticism
        (negative if _NEGATOR.search(sentence[max(0, m.start() - 40) : m.start()]) else positive).append(m.group(0).lower())
    if not negative and not positive:
        return "", ""
    cues = "cue words: " + "; ".join(", ".join(dict.fromkeys(c)) for c in (negative, positive) if c)
    return (IMPROVEMENT if len(negative) >= len(positive) else STRENGTH), cues


_CONTRAST = re.compile(r"(?:,|;|\s)\s*(?:but|however)\b,?", re.I)
_CONCESSION = re.compile(r"^(?:while|whilst|although|though|despite|even though)\b[^,]{3,}?,\s*", re.I)


def main_clause(sentence: str) -> str:
    """The clause an inspector's sentence turns on: after its last 'but' or 'however', and
    past an opening 'While ...,' or 'Although ...,' concession.

    >>> main_clause("While plans have improved, the quality of practice remains variable.")
    'the quality of practice remains variable.'
    """
    parts = _CONTRAST.split(sentence)
    tail = parts[-1].strip() if len(parts) > 1 and len(parts[-1].split()) >= 3 else sentence
    return _CONCESSION.sub("", tail, count=1) or tail


def cue_word(sentence: str, role: str) -> str:
    """The most telling cue word of a classified sentence (for a fill-the-blank question)."""
    pattern = _NEGATIVE if role == IMPROVEMENT else _POSITIVE
    source = sentence if role == IMPROVEMENT else _NEGATIVE.sub(lambda m: " " * len(m.group(0)), sentence)
    found = [m.group(0) for m in pattern.finditer(source) if m.group(0).lower() not in _WEAK_CUES]
    return max(found, key=len) if found else ""


# -- judgements ---------------------------------------------------------------------------

GRADES = r"(?:" + "|".join(vocabulary.GRADES + ("adequate", "performs poorly")) + ")"
_OVERALL = re.compile(rf"^The overall judgement is {GRADES}\b.*$", re.I | re.M)
_TABLE_ROW = re.compile(rf"^[^\n\t]{{3,160}}\t[ \t]*{GRADES}[ \t]*$", re.I | re.M)
_EFFECTIVENESS = re.compile(rf"^The effectiveness of the [^\n]{{3,120}} (?:requires improvement|is {GRADES})[ \t]*$", re.I | re.M)
_JUDGED_WHEN = re.compile(rf"\bjudged (?:to be |as )?[\"'“‘]?{GRADES}[\"'”’]?[^.\n]{{0,80}}\b(?:19|20)\d\d\b", re.I)
_LIMITING = re.compile(r"\blimiting judgement\b|\blimited to '?performs poorly", re.I)
_JUDGED = re.compile(rf"\bjudged (?:to be |as )?[\"'“‘]?{GRADES}\b", re.I)
_GRADED_HEADING = re.compile(rf"(?:\brequires improvement|\bis {GRADES})\s*$", re.I)


def judgement_spans(text: str, topic_terms: Iterable[str] = ()) -> list[tuple[int, int]]:
    """Spans of ``text`` stating a judgement, in document order.

    Always: the overall judgement line, judgement-table rows, the effectiveness line, a
    judgement with its date ("judged inadequate in July 2022") and a limiting judgement.
    Other "was judged to be ..." statements only when they mention the topic (``topic_terms``,
    as ``rag.lexical.tokens`` makes them), with the sentence before (which says what was judged).
    """
    spans: list[tuple[int, int]] = []
    effectiveness = _EFFECTIVENESS.search(text)
    for m in (*_OVERALL.finditer(text), *_TABLE_ROW.finditer(text), *([effectiveness] if effectiveness else [])):
        spans.append((m.start(), m.end()))
    terms = set(topic_terms)
    sentences = sentence_spans(text)
    for i, (a, b) in enumerate(sentences):
        s = text[a:b]
        if "\t" in s or any(a < e and s_ < b for s_, e in spans):
            continue
        if _JUDGED_WHEN.search(s) or _LIMITING.search(s):
            spans.append((a, b))
        elif _JUDGED.search(s) and i and terms:
            pa, _ = sentences[i - 1]
            pa += len(re.match(r"(?:-\s+)?", text[pa:b]).group(0))
            if "\n\n" not in text[pa:b] and terms & set(_tokens(text[pa:b])):
                spans.append((pa, b))
    return sorted(set(spans))


def graded_heading(section: str) -> bool:
    """Does a section heading carry a grade ('... requires improvement')?"""
    return bool(section) and len(section) < 160 and bool(_GRADED_HEADING.search(section))


# -- building -----------------------------------------------------------------------------


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


def _tokens(text: str) -> list[str]:
    from rag.lexical import tokens

    return tokens(text)


def _topic_terms(topic: str) -> list[str]:
    from rag.lexical import query_tokens

    return query_tokens(topic)


def topic_coverage(weights: dict[str, float], sentence: str, section: str = "") -> float:
    """IDF-weighted share of the topic's terms (``weights``: term -> idf) in a sentence; a
    term only in its section heading counts half.

    >>> topic_coverage({"dental": 3.0, "health": 3.0}, "Health records are kept.")
    0.5
    """
    if not weights:
        return 0.0
    have, heading = set(_tokens(sentence)), set(_tokens(section))
    got = sum(w if t in have else (0.5 * w if t in heading else 0.0) for t, w in weights.items())
    return got / (sum(weights.values()) or 1.0)


def clean_topic(topic: object) -> str:
    if not isinstance(topic, str) or not normalize_ws(topic):
        raise QuestionError("topic", "The topic is empty: type a topic such as 'management oversight', or pick a suggested one.", help="`rag brief --suggest` lists some")
    text = normalize_ws("".join(ch if ch.isprintable() else " " for ch in topic))
    if len(text) > MAX_TOPIC_CHARS:
        raise QuestionError("topic", f"The topic is {len(text)} characters long; a topic is a few words (up to {MAX_TOPIC_CHARS} characters).")
    return text


def build_brief(topic: str, settings: Settings, *, since: int | None = None, until: int | None = None, kinds: Sequence[str] = ()) -> Brief:
    """The brief on ``topic`` from the documents dated ``since``..``until`` of ``kinds``.

    Raises QuestionError when no document in range says enough on the topic to quote (or
    the topic names what no document mentions), RagError when the index is empty.
    """
    from rag import answer as answer_stage
    from rag.answer import pick, score_sentences, threshold, unknown_names
    from rag.cite import cite
    from rag.pipeline import components, make_filters
    from rag.retrieve import Query
    from rag.timeframe import TimeFrame

    topic = clean_topic(topic)
    filters = make_filters(since, until, kinds)
    parts = components(settings)
    store = parts.store
    indexed = store.documents()
    if not indexed:
        raise RagError("the index is empty: there is nothing to build a brief from", help="run `rag ingest`, or add documents in the app's Library tab")
    window = tuple(d for d in indexed if filters.admits(d))
    if not window:
        raise QuestionError("since/until/kind", "No indexed document is in that range of years and kinds: widen the years or tick more kinds.", help="`rag docs` lists the documents")
    strangers = unknown_names(f"Topic: {topic}", parts.lexical.seen)  # the first word may be a name too
    if strangers:
        raise QuestionError("topic", f"The documents never mention {', '.join(strangers)}: try a suggested topic.", help="`rag brief --suggest` lists some")
    # The timeline is the chat's change-over-time answer, with a sentence more per document.
    query = Query(topic, PASSAGES_PER_DOCUMENT * len(window), filters, TimeFrame(change=True), window)
    vector = parts.embedder.encode_query(topic)
    passages = parts.retriever.run(query, vector)
    brief_settings = settings.model_copy(update={"answer": settings.answer.model_copy(update={"per_document_sentences": TIMELINE_SENTENCES})})
    answer = answer_stage.answer(
        query, passages, brief_settings, page_starts=store.page_starts,
        idf=parts.lexical.idf, seen=parts.lexical.seen, query_vector=vector,
    )
    if answer.abstained or not answer.timeline:
        hint = f" ({answer.notice})" if answer.notice else ""
        raise QuestionError("topic", f"No document says enough about \u2018{topic}\u2019 to quote{hint}: try a suggested topic.", help="`rag brief --suggest` lists some")

    # A document "addresses" the topic only where a quote holds most of the topic's words,
    # those the documents never use included: a sentence on "health records" does not
    # address "dental health", however near its meaning.
    weights = {t: parts.lexical.idf(t) for t in set(_topic_terms(topic))}
    by_number = {c.number: c for c in answer.citations}
    about = {n for n, c in by_number.items() if topic_coverage(weights, c.quote, c.section) >= MIN_COVERAGE}
    if not any(s.citations[0] in about for e in answer.timeline for s in e.sentences):
        unused = sorted(t for t in weights if not parts.lexical.seen(t))
        hint = " (they never use " + ", ".join(f"\u2018{t}\u2019" for t in unused) + ")" if unused else ""
        raise QuestionError("topic", f"No document says enough about \u2018{topic}\u2019 to quote{hint}: try a suggested topic.", help="`rag brief --suggest` lists some")
    notes = _Notes()
    timeline = tuple(
        TimelineRow(e.doc_id, e.title, e.kind, e.date, tuple(notes.quote(by_number[s.citations[0]]) for s in e.sentences if s.citations[0] in about))
        for e in answer.timeline
    )
    # Strengths and improvements: every sentence of the passages that is about the topic.
    floor = threshold(topic, settings)
    scored = score_sentences(topic, passages, parts.lexical.idf, vector, parts.lexical.seen)
    listed: dict[str, list[tuple[Citation, str]]] = {STRENGTH: [], IMPROVEMENT: []}
    for c in pick([c for c in scored if topic_coverage(weights, c.text, c.passage.chunk.section) >= MIN_COVERAGE], 4 * LIST_ITEMS, floor):
        citation = cite(0, c.passage, c.start, c.end, store.page_starts)
        role, basis = classify(citation.quote, citation.section)
        if role and len(listed[role]) < LIST_ITEMS:
            listed[role].append((citation, basis))
    order = {d.doc_id: i for i, d in enumerate(window)}
    lists = {
        role: tuple(notes.quote(c, role, basis) for c, basis in sorted(items, key=lambda x: (order[x[0].doc_id], x[0].start)))
        for role, items in listed.items()
    }

    speaking = [row.doc_id for row in timeline if row.quotes]
    cited_sections = {(c.doc_id, c.section) for c in notes.citations}
    judgements = tuple(_judgements(store, [d for d in window if d.doc_id in speaking], cited_sections, topic, notes))
    quiz = tuple(quiz_questions(timeline, lists[STRENGTH], lists[IMPROVEMENT], judgements, notes.citations, window, topic))
    used = {c.doc_id for c in notes.citations}
    sources = tuple(Source(d.doc_id, d.title, d.kind, d.date, d.source_note, d.doc_id in used) for d in window)
    return Brief(
        topic, filters.since, filters.until, tuple(filters.kinds), timeline, lists[STRENGTH], lists[IMPROVEMENT],
        judgements, quiz, sources, tuple(notes.citations), settings.hash(),
    )


def _judgements(store: Any, docs: Sequence[DocRecord], cited_sections: set[tuple[str, str]], topic: str, notes: _Notes) -> Iterable[Judgement]:
    """Judgement statements of the documents that speak on the topic, in document order,
    with the graded headings of the sections the brief quotes from."""
    from rag.cite import cite

    if not docs:
        return
    ids = {d.doc_id for d in docs}
    chunks: dict[str, list[Chunk]] = defaultdict(list)
    for c in store.iter_chunks():
        if c.doc_id in ids:
            chunks[c.doc_id].append(c)
    terms = _tokens(topic)
    for d in docs:
        text = store.document_text(d.doc_id)
        spans = judgement_spans(text, terms)
        has_table = any("\t" in text[a:b] for a, b in spans)  # the table grades every section already
        for section in [] if has_table else sorted({s for doc_id, s in cited_sections if doc_id == d.doc_id and graded_heading(s)}):
            m = re.search(rf"^{re.escape(section)}\s*$", text, re.M)
            if m and not any(a <= m.start() < b for a, b in spans):
                spans.append((m.start(), m.start() + len(section)))
        for a, b in sorted(spans):
            home = next((c for c in chunks[d.doc_id] if c.start <= a and b <= c.end), None)
            if home is None:  # a statement across two chunks has no one paragraph to cite
                continue
            citation = cite(0, Passage(home, 0.0, 0), a - home.start, b - home.start, store.page_starts)
            cells = tuple(normalize_ws(x).rstrip(":").strip() for x in citation.quote.split("\t")) if "\t" in citation.quote else ()
            yield Judgement(d.doc_id, d.kind, d.date, notes.quote(citation, role=""), cells)


# -- quiz ---------------------------------------------------------------------------------

_MONTH = vocabulary.MONTH_RE
_SINCE = re.compile(
    rf"^(?:However,? )?(?P<prep>Since|From) (?P<when>(?:the (?:beginning|start|end) of )?(?:{_MONTH} )?(?:19|20)\d\d),? "
    r"(?P<subj>[a-z][\w'’ -]{3,80}?) (?P<verb>has|have|is|are) (?P<rest>[^.]+)\.?$"
)
_SUBJECT = re.compile(
    r"^(?:However,? |In addition,? |Across the service,? )?(?P<subj>[A-Z][\w'’-]*(?: [\w'’-]+){0,7}?) "
    r"(?P<verb>is|are|was|were|has|have|had|remains?|continues? to|does not|do not|benefit)\b(?P<rest>[^.]*)"
)
_ACTION = re.compile(r"^(?:Ensure|Develop|Implement|Refresh|Record|Fully|Improve|Establish|Review|Strengthen)\b")
_GRADE_IN = re.compile(GRADES, re.I)
_DATE = re.compile(rf"\b(?:\d{{1,2}} )?(?:{_MONTH} )?(?:19|20)\d\d\b|\b\d{{1,2}}(?:st|nd|rd|th)? {_MONTH}\b")
_COUNT = re.compile(r"\b\d+(?:[.,]\d+)*%?|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty)\b")


def _reference(c: Citation, window: Sequence[DocRecord]) -> str:
    """'the 2014 report (paragraph 53)'; month and year when the year alone is ambiguous."""
    year = c.date[:4]
    twins = [d for d in window if d.kind == c.kind and d.date[:4] == year]
    when = format_date(c.date).split(" ", 1)[-1] if len(twins) > 1 and c.date else (year or "undated")
    noun = {"news": "news article"}.get(c.kind, c.kind)
    return f"the {when} {noun}" + (f" (paragraph {c.paragraph})" if c.paragraph else "")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


BLANK = "_____"


def _blank(sentence: str, key: str) -> str:
    return re.sub(rf"(?<!\w){re.escape(key)}(?!\w)", BLANK, sentence, count=1)


def make_question(quote: Quote, citation: Citation, window: Sequence[DocRecord], topic: str, prefer_blank: bool = False) -> QuizQuestion:
    """A question ``quote`` answers, worded from the citation's place and the quote's own words:
    'what happened to X from <date>?', a gap where a number or the telling cue word was, 'how
    did ... describe <subject>?', or, failing those, 'what did ... say about <topic>?'."""
    ref = _reference(citation, window)
    s = quote.text
    terms = set(_tokens(topic))
    if (m := _SINCE.match(s)) and terms & set(_tokens(m.group("subj"))):
        subj, when = m.group("subj"), m.group("when")
        if m.group("verb") in ("has", "have"):
            return QuizQuestion(f"According to {ref}, what happened to {subj} from {when}?", quote, m.group("rest").strip())
        return QuizQuestion(f"According to {ref}, what was true of {subj} from {when}?", quote, m.group("rest").strip())
    if _ACTION.match(s):
        return QuizQuestion(f"What improvement did {ref} call for on {topic}?", quote, s)
    if m := _COUNT.search(_DATE.sub(lambda d: " " * len(d.group(0)), s)):
        return QuizQuestion(f"Fill the gap in this sentence from {ref}: \u201c{s[: m.start()]}{BLANK}{s[m.end():]}\u201d", quote, m.group(0))
    cue = cue_word(s, quote.role) if quote.role else ""
    m = _SUBJECT.match(s)
    about = m and " that " not in m.group("subj") and terms & set(_tokens(m.group("subj"))) and len(m.group("rest").split()) >= 2
    if cue and (prefer_blank or not about):
        return QuizQuestion(f"Fill the gap in this sentence from {ref}: \u201c{_blank(s, cue)}\u201d", quote, cue)
    if about:
        return QuizQuestion(f"How did {ref} describe {_lower_first(m.group('subj'))}?", quote, (m.group("verb") + m.group("rest")).strip())
    return QuizQuestion(f"What did {ref} say about {topic}?", quote, s)


def _judgement_question(j: Judgement, citation: Citation, window: Sequence[DocRecord]) -> QuizQuestion | None:
    ref = _reference(citation, window)
    if len(j.cells) == 2:
        area = re.sub(r"^\d+(?:\.\d+)*\.?\s+", "", j.cells[0])
        return QuizQuestion(f"What grade did {ref} give for \u201c{area}\u201d?", j.quote, j.cells[1])
    if m := re.match(rf"The overall judgement is ({GRADES})", j.quote.text, re.I):
        return QuizQuestion(f"What was the overall judgement in {ref}?", j.quote, m.group(1))
    if m := _GRADE_IN.search(j.quote.text):
        return QuizQuestion(f"Fill the gap in this sentence from {ref}: \u201c{_blank(j.quote.text, m.group(0))}\u201d", j.quote, m.group(0))
    return None


def quiz_questions(
    timeline: Sequence[TimelineRow], strengths: Sequence[Quote], improvements: Sequence[Quote], judgements: Sequence[Judgement],
    notes: Sequence[Citation], window: Sequence[DocRecord], topic: str,
) -> list[QuizQuestion]:
    """Up to QUIZ_TARGET questions, one per cited sentence: each document's first quote,
    then strengths and improvements, then two judgements, then the rest; never invented."""
    ordered: list[Quote] = [row.quotes[0] for row in timeline if row.quotes]
    ordered += [*strengths[:2], *improvements[:2]]
    ordered += [q for row in timeline for q in row.quotes[1:]] + [*strengths[2:], *improvements[2:]]
    out: list[QuizQuestion] = []
    used: set[int] = set()
    for j in judgements:
        if len(out) >= 2:
            break
        if q := _judgement_question(j, notes[j.quote.note - 1], window):
            out.append(q)
            used.add(j.quote.note)
    at = min(len(out), 1)  # a judgement opens the quiz; the second comes after the documents
    body: list[QuizQuestion] = []
    for quote in ordered:
        if len(out) + len(body) >= QUIZ_TARGET or quote.note in used:
            continue
        body.append(make_question(quote, notes[quote.note - 1], window, topic, prefer_blank=len(body) % 2 == 1))
        used.add(quote.note)
    for j in judgements:  # thin evidence: more judgement questions rather than too few
        if len(out) + len(body) >= QUIZ_MIN:
            break
        if j.quote.note not in used and (q := _judgement_question(j, notes[j.quote.note - 1], window)):
            out.append(q)
            used.add(j.quote.note)
    return out[:at] + body + out[at:]


# -- topic suggestions --------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:\u00a0after)?")
_BREAK = re.compile(r"[.,;:!?()\[\]\"“”‘\t\n]|\s[-–—]\s|'(?!\w)|(?<!\w)'")
_FILLER = frozenset(
    """however also well often only now still yet including whether further many most some new recent recently
    number range majority minority proportion wide small large vast few several various key main overall
    reviewed summarises identified address become qualified seen made ensure ensures ensuring need needs
    dear yours sincerely copy page section paragraph contents summary findings information areas area
    inspection inspections inspector inspectors inspected ofsted majesty's majesty letter report visit
    monitoring headline evaluation covered satisfactory act regulations strengths weaknesses development
    improvement priority action immediate effectiveness experiences judgement judgements judgment graded
    last year years taken provides provide works national average individual positive negative go goes experience good poor high low""".split()
) | frozenset(vocabulary.MONTHS)
_GENERIC = frozenset(  # what every document about children's services says
    p.strip()
    for p in """local authority|children's services|social workers|social worker|young people|children's social care|
    social care|county council|vulnerable children|last inspection""".split("|")
)


def _phrases(text: str) -> Iterable[tuple[str, bool]]:
    """(phrase, written as a name) for runs of 2-4 content words, never across punctuation
    ("looked after" counts as one word: it is the sector's term for children in care)."""
    text = re.sub(r"\b([Ll]ooked) after\b", "\\1\u00a0after", text)
    for piece in _BREAK.split(text):
        run: list[str] = []
        for w in [*_WORD.findall(piece), None]:
            low = w.lower().replace("’", "'") if w else None
            if low is None or low in STOPWORDS or low in _FILLER or len(low) < 2:
                for n in (2, 3, 4):
                    for i in range(len(run) - n + 1):
                        gram = run[i : i + n]
                        yield " ".join(g.lower().replace("’", "'").replace("\u00a0", " ") for g in gram), all(g[:1].isupper() for g in gram)
                run = []
            else:
                run.append(w)


def topic_candidates(texts: dict[str, str], headings: dict[str, list[str]], n: int = 20) -> list[str]:
    """Topics from documents' text (doc_id -> text) and headings: multi-word terms used in
    more than one place, scored by how many documents use them and how often, with a bonus
    for terms in headings; names (always capitalised) and corpus-wide boilerplate left out.

    >>> topic_candidates({"a": "Private fostering is weak. Private fostering arrangements.", "b": "Private fostering."}, {}, 3)
    ['private fostering']
    """
    count: Counter[str] = Counter()
    docs: dict[str, set[str]] = defaultdict(set)
    lower: set[str] = set()
    in_heading: set[str] = set()
    for doc_id, text in texts.items():
        for a, b in sentence_spans(text):
            for phrase, named in _phrases(text[a:b]):
                count[phrase] += 1
                docs[phrase].add(doc_id)
                if not named:
                    lower.add(phrase)
    for doc_id, lines in headings.items():
        for line in lines:
            for phrase, _named in _phrases(line):
                in_heading.add(phrase)
                docs[phrase].add(doc_id)
    keep = {
        p for p, c in count.items()
        if c >= 2 and p in lower and not p.endswith("'s") and not any(g in p for g in _GENERIC)
        and not any(q != p and p in q and count[q] >= 0.6 * c for q in count)  # a fragment of a longer term
    }
    scored = {p: (1.0 + 0.5 * (len(docs[p]) - 1)) * math.log1p(count[p]) * (1.0 + 0.25 * p.count(" ")) * (1.5 if p in in_heading else 1.0) for p in keep}
    chosen: list[str] = []
    for phrase in sorted(scored, key=lambda p: (-scored[p], p)):
        if len(chosen) >= n:
            break
        stems = [stem(w) for w in words(phrase)]
        taken = [[stem(w) for w in words(c)] for c in chosen]
        if any(_contains(stems, t) or _contains(t, stems) or sorted(stems) == sorted(t) for t in taken):
            continue
        chosen.append(phrase)
    return chosen


def _contains(big: list[str], small: list[str]) -> bool:
    return any(big[i : i + len(small)] == small for i in range(len(big) - len(small) + 1))


_SUGGESTIONS: dict[tuple[str, str, int], list[str]] = {}


def suggest_topics(settings: Settings, n: int = 20) -> list[str]:
    """Up to ``n`` topics trainers can pick, from the indexed documents (cached per index content).

    >>> suggest_topics(load_settings(), 5)         # doctest: +SKIP
    ['management oversight', 'child protection', ...]
    """
    from rag.chunk import blocks_of
    from rag.pipeline import components

    store = components(settings).store
    key = (str(settings.index_dir), store.content_version(), n)
    if key not in _SUGGESTIONS:
        texts = {d.doc_id: store.document_text(d.doc_id) for d in store.documents()}
        headings = {doc_id: [b.text for b in blocks_of(t) if b.kind == "heading"] for doc_id, t in texts.items()}
        _SUGGESTIONS[key] = topic_candidates(texts, headings, n)
    return list(_SUGGESTIONS[key])


# -- command line -------------------------------------------------------------------------


class _Usage(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        raise _Usage(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="rag brief", description="A cited induction brief on a topic, as Markdown, Word or PDF.")
    p.add_argument("topic", nargs="?", help="the topic, e.g. 'management oversight'")
    p.add_argument("--since", type=int, default=None, help="only documents from this year on")
    p.add_argument("--until", type=int, default=None, help="only documents up to this year")
    p.add_argument("--kind", action="append", default=[], help="only this document kind (repeatable)")
    p.add_argument("--format", choices=["md", "docx", "pdf"], default=None, help="default: from -o's suffix, else md")
    p.add_argument("-o", "--output", type=Path, default=None, help="file to write (md: default stdout)")
    p.add_argument("--suggest", type=int, nargs="?", const=20, default=None, metavar="N", help="list N suggested topics (default 20) and stop")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """`rag brief TOPIC [--since Y] [--until Y] [--kind K] [--format md|docx|pdf] [-o FILE]`."""
    from rag import export
    from rag.settings import load_settings

    try:
        args = _parser().parse_args(list(argv) if argv is not None else None)
        settings = load_settings()
        if args.suggest is not None:
            print("\n".join(suggest_topics(settings, max(1, args.suggest))))
            return 0
        if not args.topic:
            raise _Usage("a topic is required, e.g. rag brief \"management oversight\" (rag brief --suggest lists some)")
        fmt = args.format or (args.output.suffix.lstrip(".").lower() if args.output and args.output.suffix else "md")
        if fmt not in ("md", "docx", "pdf"):
            raise _Usage(f"cannot tell the format from '{args.output}': use --format md, docx or pdf")
        if fmt != "md" and args.output is None:
            args.output = Path(f"brief-{export.slug(args.topic)}.{fmt}")
        if args.output is not None and not args.output.parent.is_dir():  # before the slow part
            raise _Usage(f"cannot write {args.output}: the folder {args.output.parent} does not exist")
        brief = build_brief(args.topic, settings, since=args.since, until=args.until, kinds=args.kind)
        if args.output is None:
            sys.stdout.write(export.to_markdown(brief))
            return 0
        path = export.write(brief, args.output, fmt)
        print(f"wrote {path}")
        return 0
    except _Usage as exc:
        print(f"rag brief: error: {exc}", file=sys.stderr)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    return 2


if __name__ == "__main__":
    sys.exit(main())
