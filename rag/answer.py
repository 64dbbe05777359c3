"""Compose the answer a member of staff reads, from the inspectors' own sentences.

The extractive answerer cannot invent: every answer sentence is a verbatim span of a
retrieved passage, chosen for how well it answers the question, never repeated, and cited.
A sentence that leans on the one before ("However, ...", "These plans ...") is quoted with
it. Sentences that play another role in their document are not offered as findings:
footnotes, the lines where a document states its own facts ("This letter summarises the
findings of the visit on ..."), and standard wording that several documents share. Change-
over-time questions get one block per document, oldest first, naming documents with nothing
on the subject. Who/when/grade questions are answered from the report facts
(``rag.answer_facts``). When nothing answers well enough, or the question rests on something
the library does not hold (a council, a person, a visit, a figure, a future date), the answer
says so and lists the nearest matches instead.

    >>> import rag
    >>> a = rag.ask("What did inspectors say about caseloads in 2014?")  # doctest: +SKIP
    >>> a.citations[0].paragraph                                         # doctest: +SKIP
    '57'
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import replace as dc_replace
from typing import Any, Protocol

from rag.answer_facts import CORRECTION, answer_from_facts, judgement_leads, judgement_query, lead_correction, visit_correction
from rag.cite import PageStarts, cite, quote_spans
from rag.embed import unpack
from rag.lexical import query_tokens, tokens
from rag.question import PREMISE
from rag.records import Answer, AnswerSentence, Citation, Passage, TimelineEntry
from rag.retrieve import Query
from rag.settings import AnswerSettings, Settings
from rag.store import DocRecord
from rag.text import STOPWORDS, normalize_ws, stem
from rag.vocabulary import DATE_RANGE, GRADE, MONTH_RE, NUMBER_WORD_RE, WHEN, YEAR, format_date

Idf = Callable[[str], float]
Seen = Callable[[str], bool]

ABSTAIN_TEXT = (
    "The documents don't say. None of the indexed reports answers this question well "
    "enough to quote; the nearest matches are listed below in case they help."
)


class Lexicon(Protocol):
    """What the answerer asks of the library's words (rag.lexical.LexicalIndex gives it)."""

    def idf(self, term: str) -> float: ...
    def seen(self, term: str) -> bool: ...
    def boilerplate(self, template: str) -> bool: ...
    def is_name(self, word: str) -> bool: ...


class _Plain:
    """A lexicon that knows nothing: every term weighs one, nothing is boilerplate."""

    def __init__(self, idf: Idf | None = None, seen: Seen | None = None) -> None:
        self._idf, self._seen = idf, seen

    def idf(self, term: str) -> float:
        return self._idf(term) if self._idf else 1.0

    def seen(self, term: str) -> bool:
        return self._seen(term) if self._seen else True

    def boilerplate(self, template: str) -> bool:
        return False

    def is_name(self, word: str) -> bool:
        return False


@dataclass(frozen=True)
class Candidate:
    """A quotable span of a passage (a sentence, with the one before it when it leans on
    it), scored for how well it answers the question."""

    passage: Passage
    start: int  # offsets in the chunk text
    end: int
    score: float
    coverage: float
    core_start: int = -1  # the sentence itself, when the span includes its context

    @property
    def text(self) -> str:
        return self.passage.chunk.text[self.start : self.end]

    @property
    def sentence(self) -> str:
        return self.passage.chunk.text[(self.core_start if self.core_start >= 0 else self.start) : self.end]


# A sentence that opens by pointing back ('However', 'These plans', 'This means', 'As a
# result') needs the sentence before it to be understood.
_LEANS_BACK = re.compile(
    r"^(?:However|But|Despite this|In contrast|Nevertheless|As a result|Consequently|Therefore|This|These|That|Those|It|They|Such|Both|Neither|Furthermore|Also)\b"
    # a quantifier standing for the previous sentence's subject: 'Some are formulaic.'
    r"|^(?:Some|Others|Most|Many|A few|Few|All|None|One)\s+(?:are|is|were|was|have|has|had|do|does|did|remain|still|also|lack)\b"
)


def score_sentences(question: str, passages: Sequence[Passage], idf: Idf | Lexicon, query_vector: Sequence[float] | None = None, seen: Seen | None = None, *, weights: AnswerSettings | None = None, by_document: bool = False) -> list[Candidate]:
    """Every quotable sentence of the passages, best answer first.

    Score = coverage weight x the IDF-weighted share of the question's terms in the sentence
    (terms only in its section heading count half) + dense weight x the sentence's own
    similarity to the question (pooled in context at ingest) + passage weight x how high
    its passage ranked; times penalties for the roles that are not findings (standard
    wording shared by several documents, a secondary source) and for echoing the question.
    ``by_document``: the passages are each document's own best, listed document by document
    (a timeline), so a passage's rank counts from its document's first, not from the list's:
    the list's order is the documents' dates, which says nothing of how well one answers.
    """
    import numpy as np

    lex: Lexicon = idf if hasattr(idf, "boilerplate") else _Plain(idf, seen)  # type: ignore[arg-type]
    w = weights or AnswerSettings()
    terms = sorted(t for t in set(query_tokens(question)) if lex.seen(t))
    weights_of = {t: lex.idf(t) for t in terms}
    total = sum(weights_of.values()) or 1.0
    q = np.asarray(query_vector, dtype=np.float32) if query_vector is not None else None
    question_terms = set(tokens(question))
    shape = wanted_shape(question)
    first_rank: dict[str, int] = {}
    for p in passages:
        key = p.chunk.doc_id if by_document else ""
        first_rank[key] = min(first_rank.get(key, p.retrieval_rank), p.retrieval_rank)
    out = []
    for p in passages:
        c = p.chunk
        section_terms = set(tokens(c.section))
        spans = quote_spans(c)
        sims = None
        if q is not None and c.sentence_vectors and len(c.sentences) == len(spans):
            sims = unpack(c.sentence_vectors, len(q)) @ q
        roles = c.sentence_roles if len(c.sentence_roles) == len(spans) else ("",) * len(spans)
        templates = c.sentence_templates if len(c.sentence_templates) == len(spans) else ("",) * len(spans)
        prior = 1.0 / math.sqrt(p.retrieval_rank - first_rank[c.doc_id if by_document else ""] + 1)
        for i, (a, b) in enumerate(spans):
            if roles[i]:
                continue  # a footnote, or a line stating the document's own facts
            sentence = c.text[a:b]
            sentence_terms = set(tokens(sentence))
            start = a
            if i and _LEANS_BACK.match(sentence) and not roles[i - 1] and _adjacent(c.text, spans[i - 1], (a, b)):
                start = spans[i - 1][0]  # quote the sentence it leans on as well
                sentence_terms |= set(tokens(c.text[start:a])) if len(terms) > 2 else set()
            # an item of a list says what its heading names ('What needs to improve?' / '- Manageable
            # caseloads'): the heading's terms count in full for it, half for a sentence of prose
            under = 1.0 if c.text[max(0, a - 2) : a] == "- " else 0.5
            got = sum(wt if t in sentence_terms else (under * wt if t in section_terms else 0.0) for t, wt in weights_of.items())
            coverage = got / total if terms else 0.0
            dense = float(sims[i]) if sims is not None else (p.dense or 0.0)
            score = w.coverage_weight * coverage + w.dense_weight * max(0.0, dense) + w.passage_weight * prior
            novelty = len(sentence_terms - question_terms) / max(1, len(sentence_terms))
            if novelty < 0.4:
                score *= w.echo_penalty  # it only repeats the question
            if templates[i] and lex.boilerplate(templates[i]) or _METHOD.match(sentence):
                score *= w.boilerplate_penalty
            if c.kind == "news":
                score *= w.secondary_penalty  # the inspectors' own words come first
            if shape is not None and shape.search(sentence):
                score += w.shape_bonus
            out.append(Candidate(p, start, b, score, coverage, a if start != a else -1))
    out.sort(key=lambda c: (-c.score, c.passage.rank, c.start))
    return out


def rerank(question: str, passages: Sequence[Passage], lexicon: Idf | Lexicon, query_vector: Sequence[float] | None, settings: Settings, *, by_document: bool = False, asked: str | None = None) -> list[Passage]:
    """The passages in order of the answer each holds: the score of its best sentence
    (``score_sentences``, as a share of the best passage's) at ``retrieve.rerank``, and
    1/sqrt of its fused rank at the rest. A passage that shares the question's words but
    holds no sentence answering it falls below one whose sentence does. A passage with no
    sentence to quote (a cover page's fact lines, a table) is not judged by sentences: it
    keeps its place. ``asked``: the question as typed; its sentences must be of the kind it
    asks for (``of_the_kind_asked``: a count, a name) to count. ``by_document``: the passages are listed document by document (a
    timeline, oldest first); the documents keep their order and each one's own passages are
    put in order, its first passage counting as its rank 1. Ranks renumbered."""
    weight = settings.retrieve.rerank_timelines if by_document else settings.retrieve.rerank
    if weight <= 0 or len(passages) < 2:
        return list(passages)
    scored = score_sentences(question, passages, lexicon, query_vector, weights=settings.answer, by_document=by_document)
    best: dict[str, float] = {}
    fitting = of_the_kind_asked(asked, scored, lexicon, figures=not by_document) if asked else scored
    for c in fitting or scored:  # none of the kind asked: the answer abstains; order by the rest
        best.setdefault(c.passage.chunk.chunk_id, c.score)  # best first: the first seen is the best
    if fitting:  # a passage whose sentences are none of the kind asked holds no answer
        best.update({c.passage.chunk.chunk_id: 0.0 for c in scored if c.passage.chunk.chunk_id not in best})
    groups: dict[str, list[Passage]] = {}
    for p in passages:
        groups.setdefault(p.chunk.doc_id if by_document else "", []).append(p)
    order: list[Passage] = []
    keys: dict[str, float] = {}
    for group in groups.values():
        top = max((best[p.chunk.chunk_id] for p in group if p.chunk.chunk_id in best), default=0.0) or 1.0
        first = min(p.rank for p in group)
        key = {p.chunk.chunk_id: weight * best[p.chunk.chunk_id] / top + (1 - weight) / math.sqrt(p.rank - first + 1) for p in group if p.chunk.chunk_id in best}
        judged = iter(sorted((p for p in group if p.chunk.chunk_id in key), key=lambda p: (-key[p.chunk.chunk_id], p.rank)))
        order.extend(p if p.chunk.chunk_id not in key else next(judged) for p in group)
        keys.update(key)
    if by_document:  # the documents' order is their dates: a passage's rank is its place
        return [dc_replace(p, rank=i, retrieved_rank=p.retrieval_rank) for i, p in enumerate(order, start=1)]
    # each passage's score is now what placed it (one that kept its place ties the one before)
    out, last = [], 1.0
    for i, p in enumerate(order, start=1):
        last = min(last, keys.get(p.chunk.chunk_id, last))
        out.append(dc_replace(p, rank=i, score=round(last, 6), retrieved_rank=p.retrieval_rank))
    return out


def _adjacent(text: str, before: tuple[int, int], after: tuple[int, int]) -> bool:
    """Two sentences of one paragraph (no blank line between them)."""
    return "\n\n" not in text[before[1] : after[0]]


_EXPECTS = [  # (what the question asks for, what an answer sentence must contain)
    ("money", re.compile(r"£|\bhow much\b.*\b(spen[dt]|pa(y|id)|cost|budget|fund|invest|money)|\b(budget|spending|cost)\b.*\b(what|how much)\b|\b(what|how much) .*\b(budget|spending|cost)\b"
                         # keywords, no question word: 'total childrens services budget 2023/24'
                         r"|^(?!.*\b(?:what|how|why|who|when|where|which|did|does|do|is|are|was|were|has|have|can|could)\b).*\b(?:budget|spend|spending|costs?|funding)\b", re.I),
     re.compile(r"£|\bpounds?\b|\bmillion\b|\d%|\bper ?cent\b", re.I)),
    ("percent", re.compile(r"\b(what|which) (percentage|proportion|share|fraction)\b|\bper ?cent(age)?\b|\bpercentage\b", re.I),
     re.compile(r"\d\s*%|\bper ?cent\b|\b(half|quarter|third|thirds)\b", re.I)),
    # a rate as a noun ('the turnover rate in 2023', 'rate of re-referrals'), not the verb of a
    # judgement ('how did Ofsted rate it?'): a share, or so many per so many
    ("rate", re.compile(r"\brates?\s+of\b|\b(?!(?:ofsted|inspectors?|they|you|we|i|did|does|do|would|to|how|not)\b)[a-z-]+\s+rates?(?:\s+(?:of|for|in|was|is|were|are|at|among|across)\b|\s*[?.]?\s*$)", re.I),
     re.compile(r"\d\s*%|\bper ?cent\b|\bper\s+[\d,]+\b|\b\d+\s+in\s+(?:\d+|every)\b|\b(half|quarter|third|thirds)\b", re.I)),
    ("duration", re.compile(r"\bhow long\b", re.I),
     re.compile(r"(\d+|\b" + NUMBER_WORD_RE + r")\s+(hours?|days?|weeks?|months?|years?)\b", re.I)),
    ("number", re.compile(r"\bhow many\b|\b(what|which) (number|average|total)\b|\baverage (number|caseload)\b|\bnumber of\b", re.I),
     re.compile(r"\d|\b" + NUMBER_WORD_RE + r"\b", re.I)),
]
_DATES = re.compile(rf"{DATE_RANGE.pattern}|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH_RE}(?:\s+(?:19|20)\d\d)?\b|\b{MONTH_RE}\s+\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?\b|\b(?:19|20)\d\d\b", re.I)
# A sentence about how the inspection itself was done ('Inspectors spoke to a range of
# staff', 'The inspection sampled ...', 'This visit was carried out under ...'): its subject is
# the inspection and its verb one of method, not of finding. Its role is the report's
# account of itself, as standard wording's is; it answers no question about practice.
_METHOD = re.compile(
    r"^(?:(?:During|In the course of|As part of) (?:the|this) (?:inspection|visit)[^,]{0,40},\s+)?(?:The\s+|This\s+)?(?:lead\s+)?"
    r"(?:inspectors?|inspection|visit|letter|monitoring visit)\b(?:\s+(?:also|then|have|has|had))*\s+"
    r"(?:spoke|met|reviewed|looked|considered|evaluated|visited|held|tracked|sampled|discussed|scrutinised|observed|talked"
    r"|was carried out|were carried out|took place|focused|examined|read|shadowed|listened|used|included|summarises|evaluates)\b", re.I)
_FUTURE = re.compile(r"\b(next|will|due|upcoming|forthcoming|future|planned for|going to)\b", re.I)
_FUTURE_EVIDENCE = re.compile(r"\b(will|next|due|planned|expected|intends?|future)\b", re.I)
_NEGATIONS = frozenset({"not", "no", "never", "none", "nor", "cannot", "without", "neither"})
_ANTONYM_PREFIXES = ("un", "in", "im", "ir", "il", "dis", "non")


# A span of time or an age ('in the past 18 months', 'aged 16', '18-year-olds'), a number that
# is part of a name ('COVID-19', 'section 47 enquiries') and a share: in a count's evidence it is
# not the count ('how many foster carers resigned?' is not answered by '18 months' or 'COVID-19').
_NOT_A_COUNT = re.compile(
    r"(?:\d+|\b" + NUMBER_WORD_RE + r")(?:\s+|-)(?:hours?|days?|weeks?|months?|years?)(?:-olds?)?\b|\baged\s+(?:\d+|" + NUMBER_WORD_RE + r")\b"
    r"|\b[A-Za-z]+-\d+\b|\bsections?\s+\d+[A-Z]?\b"
    # a share is not a count either: 'how many children ...' is not answered by '(86%)'
    r"|\d+(?:\.\d+)?\s*(?:%|per\s?cent\b)", re.I)
_COUNTS_TIME = re.compile(r"\bhow\s+(?:many|long)\s+(?:\w+\s+){0,2}?(?:hours?|days?|weeks?|months?|years?)\b|\bhow\s+long\b|\bhow\s+old\b|\bages?\b", re.I)


def _not_the_figure(question: str, kind: str, sentence: str) -> str:
    """The sentence without what cannot be the figure asked for: its dates always, and its
    spans of time, ages, numbers inside names and shares when the question counts something
    other than time."""
    text = _DATES.sub(" ", sentence)
    return _NOT_A_COUNT.sub(" ", text) if kind == "number" and not _COUNTS_TIME.search(question) else text


def threshold(question: str, settings: Settings) -> float:
    """The abstention threshold for this question. A question built on a premise ("why did
    the letter praise ...?") shares fewer words with the passage that contradicts it, so
    it gets some leeway: quoting that passage is the answer."""
    base = settings.answer.abstain_below
    return base * settings.answer.premise_leeway if PREMISE.search(question) else base


def expects(question: str) -> tuple[str, re.Pattern[str]] | None:
    """The kind of value a question asks for ('how many' -> a number), if any."""
    for name, asks, shows in _EXPECTS:
        if asks.search(question):
            return name, shows
    return None


def unknown_names(question: str, seen: Seen, *, shouting: bool = False) -> list[str]:
    """Names in the question (capitalised words past the first) the documents never use.
    In a question typed in Title Case or capitals, capitals mark nothing: it has none, as
    the same question typed in lower case has none."""
    text = question.strip()
    if shouting:
        return []
    names = re.findall(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-zA-Z]{2,}|[A-Z]{2,})\b", text)
    return [n for n in names if not any(seen(t) for t in tokens(n))]


_NAME_LIKE = re.compile(r"\b(?:(?:Mr|Mrs|Ms|Miss|Dr|Cllr)\.?\s+)?[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)+\b")
# A body named with its abbreviation: 'Together for Children (TfC)', 'the Children's Trust (CT)'.
_ABBREVIATED = re.compile(r"\b(?P<name>[A-Z][\w'’-]+(?:\s+(?:[A-Z][\w'’-]+|for|of|and|the|in|on))*)\s+\((?P<abbr>[A-Z][A-Za-z]{1,7})\)")


# What a thing is called: a quoted name ('Our voice counts') or a capitalised one (the Keep Safe team).
_CALLED = re.compile(r"[‘'\"“][A-Z][^’'\"”\n]{2,60}[’'\"”]|" + _NAME_LIKE.pattern)


def wanted_shape(question: str) -> re.Pattern[str] | None:
    """What an answer to this question looks like, where the question says."""
    q = question.strip().lower()
    if re.match(r"(who|whom|whose)\b", q) or re.search(r"\b(which|what) (inspectors?|person|people|director|officer)\b", q):
        return _NAME_LIKE
    if re.search(r"\b(?:called|named)\b|\bname\s+of\b", q):
        return _CALLED
    if re.match(r"when\b", q) or re.search(r"\b(what|which) (date|dates|day|month)\b|\bon what dates?\b", q):
        return WHEN
    if re.search(r"\b(grade|judg(e)?ment|rating|rated|judged|verdict)\b", q):
        return GRADE
    return None


def of_the_kind_asked(question: str, candidates: Sequence[Candidate], lexicon: Any = None, *, figures: bool = True) -> list[Candidate]:
    """The candidates of the kind the question asks for: the figure it asks for (``figures``;
    'how many' wants a count), a person ('who led it?', when ``lexicon`` can tell names) or
    a name ('what is it called?'). The answerer and the reranker both keep to these."""
    out = list(candidates)
    wanted = expects(question) if figures else None
    if wanted:
        out = [c for c in out if wanted[1].search(_not_the_figure(question, wanted[0], c.sentence))]
    shape = wanted_shape(question)
    if shape is _NAME_LIKE and lexicon is not None and hasattr(lexicon, "is_name"):
        out = [c for c in out if _names_a_person(c.sentence, lexicon)]
    elif shape is _CALLED:
        out = [c for c in out if _CALLED.search(c.sentence)]  # 'what is it called?' wants the name
    return out


def _similar(a: str, b: str) -> bool:
    ta, tb = set(tokens(a)), set(tokens(b))
    if not ta or not tb:
        return a == b
    return len(ta & tb) / len(ta | tb) > 0.6 or normalize_ws(a) in normalize_ws(b) or normalize_ws(b) in normalize_ws(a)


def pick(candidates: Sequence[Candidate], n: int, floor: float) -> list[Candidate]:
    """The best ``n`` candidates at or above ``floor``, none repeating or overlapping another."""
    chosen: list[Candidate] = []
    for c in candidates:
        if len(chosen) >= n or c.score < floor:
            break
        if any(_similar(c.sentence, o.sentence) or _overlaps(c, o) for o in chosen):
            continue
        chosen.append(c)
    return chosen


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.passage.chunk.chunk_id == b.passage.chunk.chunk_id and a.start < b.end and b.start < a.end


def answer(query: Query, passages: Sequence[Passage], settings: Settings, *, page_starts: PageStarts | None = None, idf: Idf | None = None, seen: Seen | None = None, query_vector: Sequence[float] | None = None, documents: Sequence[DocRecord] = (), document_text: Callable[[str], str] | None = None, lexicon: Lexicon | None = None) -> Answer:
    """The answer to ``query`` from ``passages``: from the report facts where the question
    asks for one, else extractive. (An LLM's answer is the pipeline's choice, made in one
    place: ``rag.pipeline``; this answer is then its fallback.)

    ``lexicon`` (the BM25 index) weighs question terms, says which the corpus uses, which
    sentence wordings are standard and which words are names; ``idf``/``seen`` stand in for it
    in tests. ``query_vector`` is the embedded ``query.ranking_text``.
    """
    t0 = time.perf_counter()
    lex: Lexicon = lexicon or _Plain(idf, seen)
    frame = query.frame
    if frame is not None and frame.unknown_authorities and not query.filters.authorities:
        names = ", ".join(frame.unknown_authorities)
        result = Answer(query.text, f"The library has no reports on {names}.", True, "extractive", [], [], list(passages), settings.hash())
        result.notice = f"No document in the library is about {names}; nothing from other councils is offered as an answer."
        result.timings["compose"] = time.perf_counter() - t0
        return result
    if frame is not None and frame.asks and query.missing and frame.visit is None:
        # a fact of a report the library does not hold (one not yet written): said, not guessed
        result = _abstain(query, [], passages, settings, page_starts)
        result.notice = query.missing
        result.timings["compose"] = time.perf_counter() - t0
        return result
    if document_text is not None and (facts := answer_from_facts(query, documents, settings, document_text, passages)) is not None:
        facts.passages = list(passages)
        facts.timings["compose"] = time.perf_counter() - t0
        return facts
    ranked = score_sentences(query.ranking_text, passages, lex, query_vector, weights=settings.answer, by_document=query.spans_window)
    candidates = ranked
    shouting = bool(frame and frame.shouting)
    missing = [] if lexicon is None and seen is None else unknown_names(query.text, lex.seen, shouting=shouting)
    candidates = of_the_kind_asked(query.text, candidates, lexicon, figures=not query.spans_window)
    if query.years_unmatched:  # no document is dated then: the evidence must name the year
        years = set(YEAR.findall(query.text))
        candidates = [c for c in candidates if years & set(YEAR.findall(c.passage.chunk.text))]
    if _FUTURE.search(query.text) and re.match(r"\s*(when|will|is|are)\b", query.text, re.I):
        candidates = [c for c in candidates if _FUTURE_EVIDENCE.search(c.sentence)]
        if re.match(r"\s*when\b", query.text, re.I):  # 'when is the next one due?': the answer names a time to come
            candidates = [c for c in candidates if _names_a_time_to_come(c)]
    if query.missing and frame is not None and frame.visit is not None:
        # no letter reports that visit: only evidence that speaks of it may answer, in its
        # text or as a whole (a news article titled with that visit)
        word = frame.visit_words.split()[0]
        speaks = re.compile(rf"\b{re.escape(word)}\b[^.]{{0,80}}\bvisit|\bvisit\b[^.]{{0,80}}\b{re.escape(word)}\b", re.I)
        candidates = [c for c in candidates if speaks.search(c.passage.chunk.text) or speaks.search(c.passage.chunk.title)]
        if not candidates:
            missing_visit = _abstain(query, ranked, passages, settings, page_starts)
            missing_visit.notice = query.missing
            missing_visit.timings["compose"] = time.perf_counter() - t0
            return missing_visit
    unheard = _unheard_phrase(query, candidates, lexicon) if not missing and not query.spans_window else ""
    if missing:
        result = _abstain(query, ranked, passages, settings, page_starts)
        result.notice = f"The documents never mention {', '.join(missing)}."
    elif unheard:
        result = _abstain(query, ranked, passages, settings, page_starts)
        result.notice = f"No document found speaks of '{unheard}'."
    else:
        judged_query = judgement_query(query) if document_text is not None else None
        if query.spans_window:
            leads = judgement_leads(judged_query, documents, settings, document_text, passages) if judged_query and document_text else {}
            result = _timeline(query, candidates, passages, settings, page_starts, leads)
        else:
            result = _plain(query, candidates, passages, settings, page_starts)
            if not result.abstained and judged_query and document_text:
                result = _with_judgement(result, judged_query, documents, settings, document_text)
        if result.abstained and judged_query and document_text:
            # no sentence answers well enough, but the judgement the question turns on does
            judged = answer_from_facts(judged_query, documents, settings, document_text, passages)
            if judged is not None:
                judged.passages = list(passages)
                result = judged
    if document_text is not None and (corrected := visit_correction(query, documents, settings, document_text, passages)) is not None:
        result = _corrected(corrected, result, query, documents)
    elif document_text is not None and (corrected := lead_correction(query, documents, settings, document_text, passages)) is not None:
        result = _corrected(corrected, result, query, documents)
    if result.abstained and not result.citations and ranked:  # nearest matches, whatever they say
        result.citations = _abstain(query, ranked, passages, settings, page_starts).citations
    if query.years_unmatched and not result.notice:
        result.notice = "No document is dated in the years asked about, so every document was searched."
    result.timings["compose"] = time.perf_counter() - t0
    return result


def _with_judgement(result: Answer, query: Query, documents: Sequence[DocRecord], settings: Settings, document_text: Callable[[str], str]) -> Answer:
    """An evaluative question on a judged area ('how effective was the LSCB in 2014?'): the
    report's judgement of that area first, then the quoted findings. ``query``: the question
    for the judgement (``judgement_query``)."""

    judged = answer_from_facts(query, documents, settings, document_text, result.passages)
    if judged is None or len({c.doc_id for c in judged.citations}) > max(2, len(query.groups)):
        return result  # a report's or two's judgements lead (a comparison: each council's), not a series
    return _led_by(judged, result, query, documents)


def _corrected(correction: Answer, result: Answer, query: Query, documents: Sequence[DocRecord]) -> Answer:
    """A premise the report's own facts contradict (a misnumbered visit, another lead
    inspector): those fact lines first ("The documents say otherwise"), then what the
    document says on the question, when anything answers it."""
    passages = result.passages
    if result.abstained or not result.citations:
        result = Answer(result.question, "", False, result.mode, [], [], list(passages), result.settings_hash)
    led = _led_by(correction, result, query, documents)
    led.text = f"{CORRECTION} {led.text}"
    led.notice, led.abstained, led.passages = correction.notice, False, list(passages)
    return led


def _led_by(judged: Answer, result: Answer, query: Query, documents: Sequence[DocRecord]) -> Answer:
    """``result`` with the fact lines of ``judged`` first, every citation renumbered."""
    shift = len(judged.citations)
    citations = list(judged.citations) + [dc_replace(c, number=c.number + shift) for c in result.citations]
    sentences = list(judged.sentences) + [dc_replace(s, citations=tuple(n + shift for n in s.citations)) for s in result.sentences]
    councils = {d.doc_id: d.authority for d in documents} if query.groups else {}
    lines = [f"{_council(councils, c)}{s.text} ({label(c)}) [{c.number}]" for s, c in zip(sentences, citations)]
    result.citations, result.sentences = citations, sentences
    result.text = " ".join(lines)
    return result


def _council(councils: dict[str, str], c: Citation) -> str:
    """'Barset: ' before a comparison's judgement line, so each council's grade is its own."""
    name = councils.get(c.doc_id, "")
    return f"{name}: " if name and c.section == "Judgements" else ""


def _unheard_phrase(query: Query, candidates: Sequence[Candidate], lexicon: Any) -> str:
    """A name the question rests on (two or more capitalised words past its first: 'the
    Barset Review report') that the sentences offered as its answer never use: a
    question about a named thing is not answered with sentences that only share its words."""
    frame = query.frame
    if frame is not None and frame.shouting or not candidates:
        return ""
    text = query.text.strip()
    mentions = {m.lower() for m in (frame.mentions if frame else ())}
    for m in re.finditer(r"(?<!^)(?<![.?!]\s)\b([A-Z][a-z]+(?:\s+(?:of\s+|and\s+)?[A-Z][a-z]+)+)\b", text):
        name = m.group(1)
        if name.lower() in mentions or any(name.lower() in x or x in name.lower() for x in mentions):
            continue
        top = candidates[:5]
        if not any(name.lower() in c.passage.chunk.text.lower() for c in top):
            return name
    return ""


def _names_a_time_to_come(c: Candidate) -> bool:
    """Does the sentence name a date, or a year after its document's own ('by March',
    'in 2027')? A statute's year ('the Children Act 2004') is no time to come."""
    sentence = re.sub(r"\bAct,?\s+(?:19|20)\d\d\b", " ", c.sentence)
    written = c.passage.chunk.year or 0
    return bool(WHEN.search(sentence)) or any(int(y) > written for y in YEAR.findall(sentence))


def _names_a_person(sentence: str, lex: Lexicon) -> bool:
    """Does the sentence name someone: two capitalised words, one a word the library only
    ever writes as a name ('Ann Example'), a title before a name ('Mr Sample'), or a body
    given with its abbreviation ('Example for Children (EfC)')?"""
    for m in _ABBREVIATED.finditer(sentence):
        initials = "".join(w[0] for w in m.group("name").split()).lower()
        if all(ch in initials for ch in m.group("abbr").lower()):
            return True
    for m in _NAME_LIKE.finditer(sentence):
        words = re.findall(r"[A-Z][a-z'’-]+", m.group(0))
        if re.match(r"(?:Mr|Mrs|Ms|Miss|Dr|Cllr)\b", m.group(0)) or any(lex.is_name(w) for w in words):
            return True
    return False


def _floor(question: str, settings: Settings, best: float) -> float:
    """Sentences much weaker than the best one add noise, not evidence."""
    return max(threshold(question, settings), best * settings.answer.relative_floor)


def label(c: Citation) -> str:
    """The inline source of a quote: '2014 report, para 53', '2023 news article (secondary source)'."""
    year = c.date[:4] if c.date else "undated"
    kind = "news article (secondary source)" if c.kind == "news" else c.kind
    where = f", para {c.paragraph}" if c.paragraph else (f", page {c.page}" if c.page else "")
    return f"{year} {kind}{where}"


def _sentence_line(s: AnswerSentence, c: Citation) -> str:
    return f"{s.text} ({label(c)}) [{c.number}]"


def _plain(query: Query, candidates: Sequence[Candidate], passages: Sequence[Passage], settings: Settings, page_starts: PageStarts | None) -> Answer:
    best = candidates[0].score if candidates else 0.0
    if best < threshold(query.text, settings):
        return _abstain(query, candidates, passages, settings, page_starts)
    chosen = pick(candidates, settings.answer.max_sentences, _floor(query.text, settings, best))
    if query.groups:  # a comparison: each council's own sentences, in the order asked
        chosen = _per_group(query, candidates, settings)
    citations = [cite(i, c.passage, c.start, c.end, page_starts) for i, c in enumerate(chosen, start=1)]
    sentences = [AnswerSentence(normalize_ws(c.text), (i,)) for i, c in enumerate(chosen, start=1)]
    lines = [_sentence_line(s, c) for s, c in zip(sentences, citations)]
    lead = CORRECTION + " " if _contradicts(query.text, [c.sentence for c in chosen[:1]]) else ""
    text = lead + " ".join(lines)
    result = Answer(query.text, text, False, "extractive", sentences, citations, list(passages), settings.hash())
    if lead:
        result.notice = "The question assumes something the documents contradict; what they say is quoted."
    return result


def _per_group(query: Query, candidates: Sequence[Candidate], settings: Settings) -> list[Candidate]:
    """A comparison's sentences: the best of each council in turn."""
    per = max(1, settings.answer.max_sentences // max(1, len(query.groups)))
    chosen: list[Candidate] = []
    for _, only in query.groups:
        mine = [c for c in candidates if only.admits(c.passage.chunk)]
        floor = max(threshold(query.text, settings) * 0.8, (mine[0].score if mine else 0) * settings.answer.relative_floor)
        chosen.extend(pick(mine, per, floor))
    return chosen


def _contradicts(question: str, sentences: Sequence[str]) -> bool:
    """Does the best evidence say the opposite of what a why-question takes for granted: the
    question's judging word against its antonym ('unmanageable' / 'manageable', 'ineffective'
    / 'effectively') or the same claim with a negation on one side only?"""
    if not PREMISE.search(question) or not sentences:
        return False
    qwords = [w.lower() for w in re.findall(r"[A-Za-z]{4,}", question)]
    swords = [w.lower() for w in re.findall(r"[A-Za-z]{4,}", " ".join(sentences))]
    sstems = {stem(w) for w in swords}
    for w in qwords:
        for prefix in _ANTONYM_PREFIXES:
            if w.startswith(prefix) and len(w) - len(prefix) >= 5:
                base = stem(w[len(prefix) :])
                if any(s.startswith(base[:6]) for s in sstems) and not any(s.startswith(stem(w)[:7]) for s in sstems):
                    return True
    return False


def _timeline(query: Query, candidates: Sequence[Candidate], passages: Sequence[Passage], settings: Settings, page_starts: PageStarts | None, leads: Mapping[str, Sequence[Citation]] | None = None) -> Answer:
    """Each document of the window in turn, oldest first: its judgement lines first where
    ``leads`` has them (``answer_facts.judgement_leads``), then its best sentences."""
    leads = leads or {}
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
        led = leads.get(doc.doc_id, ())
        mine = [c for c in candidates if c.passage.chunk.doc_id == doc.doc_id and not _restates(c, led)]
        doc_floor = max(floor, (mine[0].score if mine else 0) * settings.answer.relative_floor, best * settings.answer.timeline_floor)
        chosen = pick(mine, per_doc, doc_floor)
        chosen.sort(key=lambda c: c.passage.chunk.start + c.start)  # the document's own order
        heading = f"{format_date(doc.date) or 'Undated'}, {doc.kind}" + (f" ({doc.framework})" if doc.framework and doc.framework != doc.kind else "")
        doc_sentences = []
        lines = []
        for lead in led:
            citation = dc_replace(lead, number=len(citations) + 1)
            citations.append(citation)
            s = AnswerSentence(normalize_ws(citation.quote), (citation.number,))
            doc_sentences.append(s)
            lines.append(_sentence_line(s, citation))
        for c in chosen:
            number = len(citations) + 1
            citation = cite(number, c.passage, c.start, c.end, page_starts)
            citations.append(citation)
            s = AnswerSentence(normalize_ws(c.text), (number,))
            doc_sentences.append(s)
            lines.append(_sentence_line(s, citation))
        sentences.extend(doc_sentences)
        entries.append(TimelineEntry(doc.doc_id, doc.title, doc.kind, doc.date, tuple(doc_sentences)))
        if doc_sentences:
            blocks.append(heading + "\n" + " ".join(lines))
        else:
            blocks.append(heading + f"\nThe {doc.year or 'undated'} {doc.kind} does not address this.")
    summary = _direction(entries)
    text = "\n\n".join(blocks) + (f"\n\n{summary}" if summary else "")
    return Answer(query.text, text, False, "extractive", sentences, citations, list(passages), settings.hash(), timeline=entries, summary=summary)


def _restates(c: Candidate, lines: Sequence[Citation]) -> bool:
    """Is the candidate sentence one of the judgement lines already leading its document?"""
    begin = c.passage.chunk.start + c.start
    end = c.passage.chunk.start + c.end
    return any(line.start < end and begin < line.end for line in lines)


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


__all__ = ["answer", "score_sentences", "pick", "expects", "unknown_names", "threshold", "Candidate", "label", "Any"]
