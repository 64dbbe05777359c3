"""Quiz questions for a brief, each answered by one of its cited sentences, never invented:
'what happened to X from <date>?', a gap where a number, a grade or the telling cue word
was, 'how did the 2014 report describe ...?'.

    >>> _blank("Caseloads are manageable.", "manageable")
    'Caseloads are _____.'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag import vocabulary
from rag.classify import cue_word
from rag.lexical import tokens
from rag.records import BLANK, Citation, Judgement, QuizQuestion, Quote, TimelineRow
from rag.store import DocRecord
from rag.vocabulary import format_date

QUIZ_MIN, QUIZ_TARGET, QUIZ_MAX = 5, 8, 10

_MONTH, _YEAR = vocabulary.MONTH_RE, vocabulary.YEAR_RE
_SINCE = re.compile(
    rf"^(?:However,? )?(?P<prep>Since|From) (?P<when>(?:the (?:beginning|start|end) of )?(?:{_MONTH} )?{_YEAR}),? "
    r"(?P<subj>[a-z][\w'’ -]{3,80}?) (?P<verb>has|have|is|are) (?P<rest>[^.]+)\.?$"
)
_SUBJECT = re.compile(
    r"^(?:However,? |In addition,? |Across the service,? )?(?P<subj>[A-Z][\w'’-]*(?: [\w'’-]+){0,7}?) "
    r"(?P<verb>is|are|was|were|has|have|had|remains?|continues? to|does not|do not|benefit)\b(?P<rest>[^.]*)"
)
_ACTION = re.compile(r"^(?:Ensure|Develop|Implement|Refresh|Record|Fully|Improve|Establish|Review|Strengthen)\b")
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


def _blank(sentence: str, key: str) -> str:
    return re.sub(rf"(?<!\w){re.escape(key)}(?!\w)", BLANK, sentence, count=1)


def make_question(quote: Quote, citation: Citation, window: Sequence[DocRecord], topic: str, prefer_blank: bool = False) -> QuizQuestion:
    """A question ``quote`` answers, worded from the citation's place and the quote's own words:
    'what happened to X from <date>?', a gap where a number or the telling cue word was, 'how
    did ... describe <subject>?', or, failing those, 'what did ... say about <topic>?'."""
    ref = _reference(citation, window)
    s = quote.text
    terms = set(tokens(topic))
    if (m := _SINCE.match(s)) and terms & set(tokens(m.group("subj"))):
        subj, when = m.group("subj"), m.group("when")
        if m.group("verb") in ("has", "have"):
            return QuizQuestion(f"According to {ref}, what happened to {subj} from {when}?", quote, m.group("rest").strip())
        return QuizQuestion(f"According to {ref}, what was true of {subj} from {when}?", quote, m.group("rest").strip())
    if _ACTION.match(s):
        return QuizQuestion(f"What improvement did {ref} call for on {topic}?", quote, s)
    if m := _COUNT.search(vocabulary.DATE_MENTION.sub(lambda d: " " * len(d.group(0)), s)):
        return QuizQuestion(f"Fill the gap in this sentence from {ref}: \u201c{s[: m.start()]}{BLANK}{s[m.end():]}\u201d", quote, m.group(0))
    cue = cue_word(s, quote.role) if quote.role else ""
    m = _SUBJECT.match(s)
    about = m and " that " not in m.group("subj") and terms & set(tokens(m.group("subj"))) and len(m.group("rest").split()) >= 2
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
    if m := re.match(rf"The overall judgement is ({vocabulary.GRADE_WORDS_RE})", j.quote.text, re.I):
        return QuizQuestion(f"What was the overall judgement in {ref}?", j.quote, m.group(1))
    if m := vocabulary.GRADE_WORD.search(j.quote.text):
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
