"""Answers from the report facts: a grade, the lead inspector, the inspection dates, the
publication date, a letter's addressee, each quoting and citing the line it came from.

Who/when/grade questions are answered by what a report states plainly on its first page (the
judgement table, the 'Lead inspector:' line), not by sentences that share the question's
words. Every answer sentence is the fact's own line, verbatim from the cleaned document;
the per-report headings are labels, as in a timeline. A grade the question asserts that
the report contradicts is corrected first ("The documents say otherwise").

    >>> from rag.records import ReportFacts
    >>> facts_wanted(ReportFacts(), "judgement", "")
    []
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace as dc_replace

from rag.facts import AREA_NAMES, AREAS
from rag.records import Answer, AnswerSentence, Citation, Fact, Passage, QuestionFrame, ReportFacts, TimeFrame
from rag.retrieve import Query
from rag.settings import Settings
from rag.store import DocRecord
from rag.text import normalize_ws
from rag.vocabulary import GRADE, format_date, grade_label

DocumentText = Callable[[str], str]
CORRECTION = "The documents say otherwise."
_FACT_NAMES = {
    "lead_inspector": ("lead_inspector", "inspectors"),
    "inspection_dates": ("inspection_dates",),
    "published": ("published",),
    "addressee": ("addressee",),
    "areas_covered": ("areas_covered",),
    "to_improve": ("to_improve",),
    "visit_number": ("visit_number",),
}
# 'since it was judged inadequate', 'after its inadequate judgement': a span from a grade
_SINCE_GRADE = re.compile(rf"\b(?:since|after|from)\b[^?.!;]{{0,40}}?{GRADE.pattern}", re.I)
_WHICH_COUNCILS = re.compile(r"\b(?:which|what)\s+(?:other\s+)?(?:councils?|(?:local\s+)?authorities|las)\b", re.I)
_WHICH_DOCS = re.compile(r"\b(?:which|what)\s+(?:monitoring\s+)?(?:visits?|inspections?|reports?|letters?)\b", re.I)


_AREA_WORDS = dict(AREAS)


def _label(line: str) -> str:
    """A judgement line's label, without its grade ('Label: Grade', 'Label<TAB>Grade')."""
    return re.split(r"[\t:]", line, maxsplit=1)[0]


def facts_wanted(facts: ReportFacts, asks: str, area: str, every_area: bool = False) -> list[Fact]:
    """The facts of one document that answer the question's ask."""
    if asks == "judgement":
        rows = facts.judgements
        if area:
            # a report that judged the area together with another ('children in care and care
            # leavers', filed under the first) answers for it with that combined judgement
            named = _AREA_WORDS.get(area)
            return [f for f in rows if f.area == area] or [f for f in rows if named is not None and named.search(_label(f.line))]
        overall = [f for f in rows if f.area == "overall_effectiveness"]
        return rows if every_area or not overall else overall
    names = _FACT_NAMES.get(asks, ())
    return [f for f in facts.facts if f.name in names]


_EVALUATIVE = re.compile(r"\bhow\s+(?:good|effective|well|strong|safe)\b|\bhow\s+(?:did|were|was)\s+.{0,40}\b(?:judged|rated|seen|viewed)\b", re.I)


def judgement_query(query: Query) -> Query | None:
    """A question whose answer a report's judgement leads, as the question for that
    judgement; None for any other question. Those questions are:
    - evaluative ones on a judged area ('how effective was the LSCB in 2014?');
    - comparisons of councils, the latest inspection of one, and change over time, when they
      are about a judged area ('help and protection in Barset and Wessex', 'how has X's
      leadership changed?') or about nothing narrower than the inspection itself ('which
      did better in 2016?', 'what did X's latest inspection find?', 'has X improved?'):
      the area's judgement, or overall effectiveness, leads the quoted findings."""
    frame = query.frame
    if frame is None or frame.asks:
        return None
    evaluative = bool(frame.area) and bool(_EVALUATIVE.search(query.text))
    # a topic of its own that no judgement names ('private fostering') is not led by one
    leading = bool(query.groups or query.timeframe.latest or query.is_timeline) and (bool(frame.area) or not frame.topic)
    return dc_replace(query, frame=dc_replace(frame, asks="judgement")) if evaluative or leading else None


def judgement_leads(query: Query, documents: Sequence[DocRecord], settings: Settings, document_text: DocumentText, passages: Sequence[Passage] = ()) -> dict[str, list[Citation]]:
    """Document id -> the citations of its judgement lines that lead its part of the answer
    (numbered 0: the caller numbers them in place), for a ``judgement_query``."""
    leads: dict[str, list[Citation]] = {}
    for doc, facts in _found(query, documents, settings.answer.max_fact_reports) or []:
        text = document_text(doc.doc_id)
        cited = [c for f in facts if (c := _cite(0, doc, f, text, passages)) is not None]
        if cited:
            leads[doc.doc_id] = cited
    return leads


def fact_lines(query: Query, documents: Sequence[DocRecord], most: int) -> list[tuple[str, int]]:
    """(document id, offset) of the fact lines that answer the query, if it asks for facts
    (or leads with a judgement: ``judgement_query``), from the newest ``most`` reports; a
    misnumbered visit's letter's own number line first."""
    found = _found(query, documents, most) or _found(judgement_query(query) or query, documents, most)
    if query.misnumbered and query.frame is not None:
        found = (_found(_visit_query(query), [d for d in documents if d.doc_id == query.misnumbered], most) or []) + (found or [])
    return [(d.doc_id, f.start) for d, facts in (found or []) for f in facts]


def answer_from_facts(query: Query, documents: Sequence[DocRecord], settings: Settings, document_text: DocumentText, passages: Sequence[Passage] = ()) -> Answer | None:
    """The answer from report facts, or None when the question asks none or no document in
    scope states one (the quoted answer is made instead). Each fact's citation points at the
    retrieved passage that holds its line (the pipeline retrieves those passages first), so
    it opens, pages and numbers like any other citation."""
    found = _found(query, documents, settings.answer.max_fact_reports)
    if not found:
        return None
    return _compose(query, found, settings, document_text, passages)


def visit_correction(query: Query, documents: Sequence[DocRecord], settings: Settings, document_text: DocumentText, passages: Sequence[Passage] = ()) -> Answer | None:
    """For a question naming a visit the letter of its time does not report ('the third
    visit, in August 2023' of the second visit's letter): that letter's own line giving its
    visit number, after "The documents say otherwise"."""
    if not query.misnumbered or query.frame is None:
        return None
    return answer_from_facts(_visit_query(query), [d for d in documents if d.doc_id == query.misnumbered], settings, document_text, passages)


_LED = re.compile(r"\b(?:led|leading|inspected|lead\s+inspector)\b", re.I)


def lead_correction(query: Query, documents: Sequence[DocRecord], settings: Settings, document_text: DocumentText, passages: Sequence[Passage] = ()) -> Answer | None:
    """For a question that has a person lead an inspection the report says another led
    ('what did Ann Example conclude when she led the 2023 inspection?'): the report's own
    lead-inspector line, then its overall judgement (what it concluded), to follow "The
    documents say otherwise"."""
    frame = query.frame
    if frame is None or not frame.people or frame.asks or not _LED.search(frame.text):
        return None
    scoped = [d for d in documents if query.filters.admits(d) and d.report_facts.lead_inspector]
    if not scoped or len(scoped) > 2:
        return None
    named = {p.lower() for p in frame.people}
    if any(named & {n.lower() for n in (d.report_facts.lead_inspector, *d.report_facts.inspectors) if n} for d in scoped):
        return None  # the person named did lead (or inspect): no premise to correct
    lead = dc_replace(query, frame=dc_replace(frame, asks="lead_inspector", also_asks=("judgement",), people=(), area=""))
    return answer_from_facts(lead, scoped, settings, document_text, passages)


def _visit_query(query: Query) -> Query:
    assert query.frame is not None
    return dc_replace(query, frame=dc_replace(query.frame, asks="visit_number", also_asks=(), people=()))


def _found(query: Query, documents: Sequence[DocRecord], most: int) -> list[tuple[DocRecord, list[Fact]]] | None:
    """The documents in scope and the facts of each that answer the query (oldest first;
    the newest ``most`` of them)."""
    frame = query.frame
    if frame is None or query.groups and frame.asks not in ("judgement", "lead_inspector", "inspection_dates", "published"):
        return None  # (an addressee or a visit's areas are a letter's, not a comparison's)
    if query.years_unmatched and not (frame.asks == "judgement" and frame.grade):
        return None  # no report is of the years asked: every report's facts are of other years
    # a council's latest grades, with no area named, are every area's ('latest judgement')
    every = bool(_every_area(frame.text)) or (query.timeframe.latest and not frame.area)
    scoped = [d for d in documents if query.filters.admits(d)]
    if frame.people and (frame.asks in ("lead_inspector", "inspection_dates") or _WHICH_DOCS.search(frame.text)):
        # 'which visits was Ann Example on?': the documents whose facts name that person
        found = [(d, [f for f in d.report_facts.facts if f.name in ("lead_inspector", "inspectors", "addressee")
                      and any(p.lower() in f.line.lower() for p in frame.people)]) for d in scoped]
    elif not frame.asks:
        return None
    else:
        found = [(d, [f for ask in (frame.asks, *frame.also_asks) for f in facts_wanted(d.report_facts, ask, frame.area, every)]) for d in scoped]
    found = [(d, fs) for d, fs in found if fs]
    if query.years_unmatched:
        # 'the 2016 outstanding inspection' of a report of 2017: the report a year either side
        # with the grade asserted answers, its own date correcting the year; none: no facts
        asked = frame.timeframe
        near = TimeFrame((asked.since or 0) - 1 if asked.since else None, (asked.until + 1) if asked.until else None)
        found = [(d, [f for f in fs if f.value == frame.grade]) for d, fs in found if near.contains(d.year)]
        found = [(d, fs) for d, fs in found if fs]
    if not found:
        return None
    if not query.filters.authorities and len({d.authority_key for d, _ in found}) > 1 and not _WHICH_COUNCILS.search(frame.text):
        return None  # many councils, none named (or one the library does not hold): not the facts' to answer
    found.sort(key=lambda x: (_group_of(query, x[0]), x[0].date or "9999", x[0].doc_id))
    if query.groups and query.timeframe.latest:
        # 'X v Y most recent inspections': each council's newest report with the facts asked
        newest = {_group_of(query, d): (d, fs) for d, fs in found}
        found = [newest[g] for g in sorted(newest)]
    if frame.asks == "judgement" and frame.grade and query.timeframe.change and _SINCE_GRADE.search(frame.text):
        # 'has it improved since it was judged inadequate?': every report from the first
        # with that grade; none has it: a false premise (corrected by the first report)
        start = next((i for i, (_, fs) in enumerate(found) if any(f.value == frame.grade for f in fs)), 0)
        return found[start:][-most:]
    if frame.asks == "judgement" and frame.grade and not query.timeframe.latest and not query.timeframe.change:
        # 'when was it judged inadequate?': the reports with that grade; none: a false premise
        # ('is it still inadequate?' is answered by every grade of the latest report, 'has it
        # always been good?' by every report's)
        matching = [(d, [f for f in fs if f.value == frame.grade]) for d, fs in found]
        matching = [(d, fs) for d, fs in matching if fs]
        if matching:
            return matching[-most:]
    if frame.asks == "judgement" and frame.grade and not query.timeframe.change:
        # a grade the report contradicts: its every judgement, the one asked about first,
        # so the correction shows what the report did judge
        found = [(d, _contradicted(frame, d, fs)) for d, fs in found]
    return found[-most:]


def _group_of(query: Query, doc: DocRecord) -> int:
    """A comparison's councils in the order asked (0 for any other question)."""
    return next((i for i, (_, only) in enumerate(query.groups) if only.admits(doc)), len(query.groups))


def _compose(query: Query, found: list[tuple[DocRecord, list[Fact]]], settings: Settings, document_text: DocumentText, passages: Sequence[Passage] = ()) -> Answer | None:
    frame = query.frame
    assert frame is not None
    citations: list[Citation] = []
    sentences: list[AnswerSentence] = []
    blocks: list[str] = []
    contradicted = False
    for doc, facts in found:
        text = document_text(doc.doc_id)
        lines = []
        for f in facts:
            citation = _cite(len(citations) + 1, doc, f, text, passages)
            if citation is None:
                continue
            citations.append(citation)
            shown = normalize_ws(citation.quote)
            sentences.append(AnswerSentence(shown, (citation.number,)))
            lines.append(f"{shown} [{citation.number}]")
            # (a change question's grade is said of its first report: 'since its inadequate judgement')
            premised = (not query.timeframe.change or doc is found[0][0]) and f in _premised(frame, facts)
            if frame.asks == "judgement" and frame.grade and f.value != frame.grade and premised:
                contradicted = True
            if frame.asks == "visit_number" and frame.visit is not None and f.value != str(frame.visit):
                contradicted = True
        if lines:
            blocks.append(f"{_heading(doc)}\n" + "\n".join(lines))
    if not citations:
        return None
    body = "\n\n".join(blocks)
    notice = ""
    if contradicted:
        body = f"{CORRECTION}\n\n{body}"
        notice = (
            f"The question says '{frame.visit_words.lower()}'; the letter of that time reports another visit."
            if frame.asks == "visit_number"
            else f"The question says '{frame.grade}'; the report's judgement differs."
        )
    return Answer(query.text, body, False, "facts", sentences, citations, [], settings.hash(), notice=notice)


def _contradicted(frame: QuestionFrame, doc: DocRecord, facts: list[Fact]) -> list[Fact]:
    if frame.grade and any(f.value != frame.grade for f in _premised(frame, facts)) and not any(f.value == frame.grade for f in _premised(frame, facts)):
        return facts + [f for f in doc.report_facts.judgements if f not in facts]
    return facts


def _premised(frame: QuestionFrame, facts: Sequence[Fact]) -> list[Fact]:
    """The judgements a grade in the question is said of: the area's it names, else the
    overall effectiveness, else every one shown ('is it still inadequate?')."""
    named = [f for f in facts if f.area == (frame.area or "overall_effectiveness")]
    return named or list(facts)


def _every_area(text: str) -> bool:
    return re.search(r"\b(?:each|every|all|each of the|the) (?:areas?|judgements?|grades?)\b|\bbreakdown\b", text, re.I) is not None


def _heading(doc: DocRecord) -> str:
    """'Barset, report of 12 January 2026 (ILACS standard; inspection 10 to 21 November 2025):'"""
    f = doc.report_facts
    when = f"{doc.kind} of {format_date(doc.date)}" if doc.date else doc.kind
    extra = [doc.framework] if doc.framework else []
    if f.inspection_start and f.inspection_end:
        extra.append(f"inspection {format_date(f.inspection_start)} to {format_date(f.inspection_end)}")
    who = f"{doc.authority}, " if doc.authority else ""
    return f"{who}{when}" + (f" ({'; '.join(extra)})" if extra else "") + ":"


def _cite(number: int, doc: DocRecord, fact: Fact, text: str, passages: Sequence[Passage] = ()) -> Citation | None:
    """A citation of the fact's line as it stands in the cleaned document text, in the
    passage that holds it when one was retrieved (else the line's own block of text)."""
    start = fact.start
    quote = text[start : start + len(fact.line)] if text else ""
    if not quote or normalize_ws(quote) != normalize_ws(fact.line):
        at = text.find(fact.line) if text else -1
        if at < 0:
            return None
        start, quote = at, fact.line
    block_start = text.rfind("\n\n", 0, start) + 2 if "\n\n" in text[:start] else 0
    block_end = text.find("\n\n", start + len(quote))
    passage = text[block_start : block_end if block_end >= 0 else len(text)]
    holder = next((p.chunk for p in passages if p.chunk.doc_id == doc.doc_id and p.chunk.start <= start and start + len(quote) <= p.chunk.end), None)
    return Citation(
        number=number,
        doc_id=doc.doc_id,
        title=doc.title,
        kind=doc.kind,
        date=doc.date,
        page=fact.page,
        paragraph=holder.paragraph_label if holder else "",
        section=AREA_NAMES.get(fact.area, "") and "Judgements" if fact.name == "judgement" else "",
        quote=quote,
        start=start,
        end=start + len(quote),
        chunk_id=holder.chunk_id if holder else "",
        passage_text=holder.text if holder else passage,
    )


def grade_phrase(fact: Fact) -> str:
    """'outstanding' -> 'Outstanding'."""
    return grade_label(fact.value)
