"""The records that flow through the pipeline, named from the domain.

    Page (raw text) -> ReportFacts (what a document says about itself, each Fact with its line)
    SourceDoc (a file and its facts) -> CleanDoc (normalised text, page offsets)
    -> Chunk (a span of it with its origin) -> Passage (a chunk retrieved, with a score)
    -> Citation (a quoted sentence of a passage) -> Answer

    DocRecord (what the index's catalog knows of a document)
    question -> TimeFrame (its years) -> QuestionFrame (its councils, the fact it asks for)
    -> Query (with the Filters that narrow it) -> Passages

Of the package only ``rag.vocabulary`` is imported on load (``Query.ranking_text`` calls
``rag.timeframe`` when used), so every stage can import its records without another stage. The records
keep their old homes too (``rag.store.DocRecord``,
``rag.retrieve.Query``, ...), which import them from here.

For an induction brief on a topic (``rag.briefing``), the Answer's citations become
    Quote (a cited sentence, filed as strength or improvement) -> TimelineRow, Judgement,
    QuizQuestion, Source -> Brief (everything a handout shows; ``rag.export`` writes it)
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from rag.vocabulary import authority_key, format_date


@dataclass(frozen=True)
class Fact:
    """One fact and the line it was read from (``start``: offset in the cleaned text)."""

    name: str
    value: str
    line: str
    start: int
    page: int | None = None
    area: str = ""  # judgements: the area key (AREAS); the label as printed is in ``line``


@dataclass(frozen=True)
class ReportFacts:
    """What a document states about itself. Empty strings where it does not say."""

    authority: str = ""
    framework: str = ""
    published: str = ""  # ISO date
    inspection_start: str = ""
    inspection_end: str = ""
    lead_inspector: str = ""
    inspectors: tuple[str, ...] = ()
    addressee: str = ""
    visit_number: int | None = None
    areas_covered: tuple[str, ...] = ()
    authority_aliases: tuple[str, ...] = ()  # shorter names the document also calls its council by
    facts: tuple[Fact, ...] = field(default=(), repr=False)

    def judgement(self, area: str) -> Fact | None:
        return next((f for f in self.facts if f.name == "judgement" and f.area == area), None)

    @property
    def judgements(self) -> list[Fact]:
        return [f for f in self.facts if f.name == "judgement"]

    def of(self, name: str) -> Fact | None:
        return next((f for f in self.facts if f.name == name), None)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, blob: str) -> ReportFacts:
        if not blob:
            return cls()
        data = json.loads(blob)
        data["facts"] = tuple(Fact(**f) for f in data.get("facts", ()))
        data["inspectors"] = tuple(data.get("inspectors", ()))
        data["areas_covered"] = tuple(data.get("areas_covered", ()))
        data["authority_aliases"] = tuple(data.get("authority_aliases", ()))
        return cls(**data)

    def public(self) -> dict[str, Any]:
        """The facts as a plain dict for `rag docs --json` and the library."""
        d = asdict(self)
        d["judgements"] = {f.area: {"grade": f.value, "label": f.line, "page": f.page} for f in self.judgements}
        d["sources"] = {f.name: {"line": f.line, "page": f.page} for f in self.facts if f.name not in ("judgement", "to_improve")}
        d["to_improve"] = [{"item": f.value, "page": f.page} for f in self.facts if f.name == "to_improve"]  # the report's own list
        del d["facts"]
        return d


@dataclass(frozen=True)
class SourceDoc:
    """One document as a user knows it: its file and its facts.

    ``provenance`` says where each fact came from ("manifest", "extracted: 'Report
    published' line", "file name", ...).
    """

    doc_id: str
    path: str
    title: str
    kind: str
    date: dt.date | None
    content_hash: str
    period: str = ""
    authority: str = ""  # the place name, as the document writes it ('Upton and Downton')
    source_note: str = ""
    provenance: dict[str, str] = field(default_factory=dict)
    framework: str = ""  # SIF, ILACS standard, ILACS short, monitoring visit, ... (facts.FRAMEWORKS)
    facts: ReportFacts = field(default_factory=lambda: ReportFacts(), compare=False)

    @property
    def year(self) -> int | None:
        return self.date.year if self.date else None


@dataclass(frozen=True)
class Page:
    """Raw text of one page (number is None for formats without pages)."""

    number: int | None
    text: str


@dataclass(frozen=True)
class CleanDoc:
    """Cleaned text of a document, with where each page starts in it."""

    doc: SourceDoc
    text: str
    page_starts: tuple[tuple[int, int | None], ...] = ()  # (offset, page number)

    def page_at(self, offset: int) -> int | None:
        return page_at(self.page_starts, offset)


@dataclass(frozen=True)
class Chunk:
    """A span of a cleaned document, small enough to embed, that knows where it came from."""

    chunk_id: str
    doc_id: str
    title: str
    kind: str
    date: str  # ISO date, "" when unknown
    year: int
    text: str
    start: int  # character span in the cleaned text
    end: int
    header: str  # prefix embedded with the text: authority, kind, date, section
    section: str = ""
    authority: str = ""  # vocabulary.authority_key of the document's authority
    page: int | None = None
    page_end: int | None = None
    paragraphs: tuple[int, ...] = ()  # the report's own paragraph numbers
    # Quotable sentences (spans in ``text``) and their vectors, int8-quantised, row-major.
    sentences: tuple[tuple[int, int], ...] = field(default=(), repr=False)
    sentence_vectors: bytes = field(default=b"", repr=False, compare=False)
    # Per sentence: its role ('' a finding, 'footnote', 'fact' a line stating the document's
    # own facts) and a hash of its wording without particulars (chunk.template).
    sentence_roles: tuple[str, ...] = field(default=(), repr=False)
    sentence_templates: tuple[str, ...] = field(default=(), repr=False)

    @property
    def embed_text(self) -> str:
        return f"{self.header}\n{self.text}"

    @property
    def paragraph_label(self) -> str:
        if not self.paragraphs:
            return ""
        lo, hi = min(self.paragraphs), max(self.paragraphs)
        return str(lo) if lo == hi else f"{lo}-{hi}"


# -- the catalog, and what a question asks: years, councils, filters ---------------------


@dataclass(frozen=True)
class DocRecord:
    """What the catalog knows of one indexed document."""

    doc_id: str
    title: str
    kind: str
    date: str
    path: str
    content_hash: str
    pages: int
    chunks: int
    indexed_at: str
    period: str = ""
    authority: str = ""
    source_note: str = ""
    provenance: str = "{}"
    file_hash: str = ""
    framework: str = ""
    facts: str = ""  # ReportFacts.to_json()
    uploaded: str = ""  # ISO date a user uploaded it; "" for the curated corpus (rag.provenance)
    accepted: str = ""  # when an administrator accepted the upload for answers
    facts_version: str = ""  # the FACTS_VERSION that read ``facts``; "" before versions were kept

    @property
    def year(self) -> int:
        return int(self.date[:4]) if self.date else 0

    @property
    def authority_key(self) -> str:
        return authority_key(self.authority)

    @property
    def report_facts(self) -> ReportFacts:
        """The facts the document states about itself (parsed once per record)."""
        cached = self.__dict__.get("_facts")
        if cached is None:
            cached = ReportFacts.from_json(self.facts)
            object.__setattr__(self, "_facts", cached)
        return cached


@dataclass(frozen=True)
class Filters:
    """Restrictions on what search may return. Empty means no restriction."""

    since: int | None = None
    until: int | None = None
    kinds: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    authorities: tuple[str, ...] = ()  # vocabulary.authority_key values

    @property
    def empty(self) -> bool:
        return self.since is None and self.until is None and not self.kinds and not self.doc_ids and not self.authorities

    def where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.since is not None:
            clauses.append({"year": {"$gte": self.since}})
        if self.until is not None:
            clauses.append({"year": {"$lte": self.until}})
        if self.kinds:
            clauses.append({"kind": {"$in": list(self.kinds)}})
        if self.doc_ids:
            clauses.append({"doc_id": {"$in": list(self.doc_ids)}})
        if self.authorities:
            clauses.append({"authority": {"$in": list(self.authorities)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def admits(self, doc: DocRecord | Chunk) -> bool:
        year = doc.year
        return (
            (self.since is None or year >= self.since)
            and (self.until is None or year <= self.until)
            and (not self.kinds or doc.kind in self.kinds)
            and (not self.doc_ids or doc.doc_id in self.doc_ids)
            and (not self.authorities or _authority_of(doc) in self.authorities)
        )


def _authority_of(doc: DocRecord | Chunk) -> str:
    return doc.authority_key if isinstance(doc, DocRecord) else doc.authority


@dataclass(frozen=True)
class TimeFrame:
    """Years a question is about (inclusive), and whether it asks how things changed."""

    since: int | None = None
    until: int | None = None
    change: bool = False
    latest: bool = False

    @property
    def bounded(self) -> bool:
        return self.since is not None or self.until is not None

    def contains(self, year: int | None) -> bool:
        if year is None or year == 0:
            return not self.bounded
        return (self.since is None or year >= self.since) and (self.until is None or year <= self.until)


@dataclass(frozen=True)
class QuestionFrame:
    """A question as the rest of the pipeline needs it."""

    text: str  # the question as the user typed it (follow-ups: resolved against the previous one)
    asked: str  # as typed, before any follow-up resolution
    timeframe: TimeFrame
    authorities: tuple[str, ...] = ()  # canonical keys the question names, in order of mention
    unknown_authorities: tuple[str, ...] = ()  # names in a council's place that the library does not hold
    asks: str = ""  # a report fact: judgement | lead_inspector | inspection_dates | published | addressee
    also_asks: tuple[str, ...] = ()  # more facts a two-part question asks ('who led it, and what was the outcome?')
    area: str = ""  # for a judgement: the area asked about (facts.AREAS), "" for all
    grade: str = ""  # a grade the question asserts ('why was X rated inadequate?')
    comparison: bool = False  # two or more councils, side by side
    follow_up: bool = False
    shouting: bool = False  # Title Case or capitals: capitals say nothing about names
    visit: int | None = None  # 'the fifth monitoring visit'
    visit_words: str = ""  # the words that named the visit, as typed
    people: tuple[str, ...] = ()  # people the question names whom the report facts name
    expansions: tuple[str, ...] = ()  # 'manageable' for a premise's 'unmanageable': what a correction would say
    mentions: tuple[str, ...] = field(default=(), repr=False)  # the words that named the councils
    topic: tuple[str, ...] = ()  # the question's own topic words (question.topic_of); () for 'has X improved?'

    @property
    def ranking_text(self) -> str:
        """The question without the councils' names: the filter already narrows to them, and
        a name that every passage of that council's reports contains ranks nothing."""
        text = self.text
        for m in sorted(self.mentions + ((self.visit_words,) if self.visit_words else ()), key=len, reverse=True):
            text = re.sub(rf"\b{re.escape(m)}(?:['’]s)?\b", " ", text, flags=re.I)
        text = re.sub(r"\s+", " ", text).strip(" ,")
        return self.expanded(text if re.search(r"[A-Za-z]{3}", text) else self.text)

    def expanded(self, text: str) -> str:
        """``text`` and what a correction of the question's premise would say ('manageable')."""
        return f"{text} {' '.join(self.expansions)}" if self.expansions else text


@dataclass(frozen=True)
class Query:
    """A question with everything that narrows it."""

    text: str  # the question (a follow-up resolved against the one before)
    k: int
    filters: Filters
    timeframe: TimeFrame
    window: tuple[DocRecord, ...] = ()  # documents a timeline must cover, oldest first
    years_unmatched: bool = False  # the question named years no document is dated in
    frame: QuestionFrame | None = None
    groups: tuple[tuple[str, Filters], ...] = ()  # a comparison: (council key, its filters)
    conflicts: tuple[str, ...] = ()  # where the question's own years or councils clash with the filters
    missing: str = ""  # what the question rests on that no document is about (said unless the evidence names it)
    misnumbered: str = ""  # the letter of the time asked that reports another visit than the one named

    @property
    def ranking_text(self) -> str:
        """What the rankings see: years already narrowed the search, councils are filters,
        and a timeline already spans the window, so neither the years, the councils' names
        nor the words asking for change are kept ("how has supervision changed?" is about
        supervision, not about change)."""
        from rag.timeframe import strip_change_words, strip_time  # it imports TimeFrame from here

        narrowed = self.frame and (self.filters.authorities or self.filters.doc_ids and self.frame.visit)
        text = self.frame.ranking_text if narrowed else self.frame.expanded(self.text) if self.frame else self.text
        text = strip_time(text) if self.timeframe.bounded else text
        return strip_change_words(text) if self.is_timeline else text

    @property
    def is_timeline(self) -> bool:
        return self.timeframe.change and not self.groups

    @property
    def spans_window(self) -> bool:
        """A timeline over the documents the plan laid out, oldest first: ranked, answered and
        weighed document by document."""
        return self.is_timeline and bool(self.window)


@dataclass(frozen=True)
class Passage:
    """A chunk retrieved for a question. ``score``: higher is better, whatever the ranking."""

    chunk: Chunk
    score: float
    rank: int
    dense: float | None = None  # cosine similarity, when the dense ranking saw it
    lexical: float | None = None  # BM25 score, when the BM25 ranking saw it
    retrieved_rank: int | None = None  # its rank before a reranker moved it (None: not moved)

    @property
    def retrieval_rank(self) -> int:
        """Its place in the retriever's own ranking: what a prior may trust (a reranker's
        place already counts the answer it holds)."""
        return self.retrieved_rank or self.rank

    def to_dict(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "text": c.text,
            "score": round(self.score, 6),
            "rank": self.rank,
            "dense": None if self.dense is None else round(self.dense, 6),
            "lexical": None if self.lexical is None else round(self.lexical, 6),
            "chunk_id": c.chunk_id,
            "doc_id": c.doc_id,
            "title": c.title,
            "kind": c.kind,
            "authority": c.authority,
            "date": c.date,
            "year": c.year,
            "page": c.page,
            "paragraph": c.paragraph_label or None,
            "section": c.section,
            "start": c.start,
            "end": c.end,
        }


@dataclass(frozen=True)
class Citation:
    """A verbatim quote from a passage: the evidence behind one numbered marker."""

    number: int
    doc_id: str
    title: str
    kind: str
    date: str
    page: int | None
    paragraph: str  # "" where the document has no numbered paragraphs
    section: str
    quote: str
    start: int  # span of the quote in the cleaned document text
    end: int
    chunk_id: str
    passage_text: str
    uploaded: str = ""  # ISO date a user uploaded the document; "" for the curated corpus

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def place(self, quote: str = "'") -> list[str]:
        """The known parts of where the quote is: ['page 2', 'paragraph 53', "section 'X'"]."""
        parts = []
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.paragraph:
            parts.append(f"paragraph {self.paragraph}")
        if self.section:
            close = "\u2019" if quote == "\u2018" else quote
            parts.append(f"section {quote}{self.section}{close}")
        return parts

    def reference(self) -> str:
        """'Ofsted letter ... (letter, 28 July 2010), page 2, paragraph 53, section X'; an
        upload's ends ', uploaded by a user on 3 March 2025'."""
        origin = [upload_note(self.uploaded)] if self.uploaded else []
        return ", ".join([f"{self.title} ({self.kind}, {format_date(self.date)})", *self.place(), *origin])


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of an answer; ``supported`` is False where the verifier found no support."""

    text: str
    citations: tuple[int, ...]
    supported: bool = True
    note: str = ""


@dataclass(frozen=True)
class TimelineEntry:
    """One document's block in a change-over-time answer."""

    doc_id: str
    title: str
    kind: str
    date: str
    sentences: tuple[AnswerSentence, ...]  # empty: the document does not address this
    uploaded: str = ""  # ISO date a user uploaded the document; "" for the curated corpus


@dataclass(frozen=True)
class Scope:
    """What an answer was made within (``rag.scope`` builds it): the filters as they were
    set, the documents searched and, when the question's own years clash with the filters,
    a one-line ``warning`` and which filters clash (``clashes``: "years")."""

    since: int | None = None
    until: int | None = None
    kinds: tuple[str, ...] = ()
    authorities: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()  # ids of the documents searched
    described: str = ""  # "2 letters, 2023-2024"
    warning: str = ""
    clashes: tuple[str, ...] = ()


@dataclass
class Answer:
    """What a member of staff reads: text with [n] markers, and the evidence behind them."""

    question: str
    text: str
    abstained: bool
    mode: str
    sentences: list[AnswerSentence]
    citations: list[Citation]
    passages: list[Passage]
    settings_hash: str
    timings: dict[str, float] = field(default_factory=dict)
    timeline: list[TimelineEntry] | None = None
    summary: str = ""
    notice: str = ""
    scope: Scope = field(default_factory=Scope)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "text": self.text,
            "abstained": self.abstained,
            "mode": self.mode,
            "summary": self.summary,
            "notice": self.notice,
            "sentences": [asdict(s) for s in self.sentences],
            "timeline": None if self.timeline is None else [asdict(t) for t in self.timeline],
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "settings_hash": self.settings_hash,
            "scope": asdict(self.scope),
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }


# -- briefs --------------------------------------------------------------------------------

STRENGTH, IMPROVEMENT = "strength", "improvement"  # the roles of a Quote
BLANK = "_____"  # the gap of a fill-the-gap quiz question


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
    """A document in a brief's scope, and whether the brief quotes it."""

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


def page_at(starts: Sequence[tuple[int, int | None]], offset: int) -> int | None:
    """The page a character offset lies on, from (offset, page number) starts."""
    page = None
    for start, number in starts:
        if start > offset:
            break
        page = number
    return page


def upload_note(uploaded: str) -> str:
    """What readers are told of a document a user uploaded, wherever it is shown."""
    return f"uploaded by a user on {format_date(uploaded) or 'an unknown date'}"
