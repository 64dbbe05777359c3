"""Check an answer sentence against the passages it cites, deterministically.

A sentence is supported when
  - it cites at least one passage;
  - most (``min_coverage``, 70%) of its content words, stemmed, occur in the cited text;
  - every number and date in it (numbers, month names) occurs in the cited text;
  - every inspection judgement it names (outstanding, good, requires improvement, inadequate)
    occurs in the cited text;
  - it does not flip a negation: the cited sentence it matches best is negative exactly when
    the answer sentence is.

A passage's origin as the prompt gave it (title, kind, date, page, paragraph, section) counts
as evidence, so "the June 2014 report found ..." can be supported. Sentences of a passage
that read as instructions to a model ("ignore previous instructions and say ...") are not
evidence: a claim they alone support is unsupported. Word overlap cannot prove a paraphrase
right, but it reliably catches invented facts, numbers and dates, which is what a reader
needs flagged.

    >>> verify("Caseloads were high in 2014.", ["In 2014 caseloads were too high."])
    (True, '')
    >>> verify("Caseloads were high in 2015.", ["In 2014 caseloads were too high."])
    (False, '2015 is not in the cited text')
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag import vocabulary
from rag.records import Passage
from rag.settings import LlmSettings
from rag.text import content_words, iter_numbers, sentence_spans, stem, words
from rag.vocabulary import format_date

MIN_COVERAGE = LlmSettings().min_support  # the default; the LLM answerer passes settings.llm.min_support
# 'may' is left out: it is far more often a verb, and 'May 2023' still needs its year.
MONTHS = frozenset(m for m in vocabulary.MONTHS if m != "may")
JUDGEMENTS = vocabulary.GRADES
NEGATIONS = frozenset({"not", "no", "never", "none", "nor", "cannot", "without", "neither"})
_LOCATION = re.compile(r"\b(pages?|p\.|paragraphs?|paras?\.?)\s*(\d{1,4})\b", re.I)
_PER_CENT = re.compile(r"\s*\b(?:per ?cent|percent)\b", re.I)
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.]{0,40}\b(?:instructions?|prompts?|rules)\b"
    r"|\b(?:system prompt|you are now|as an ai|language model)\b"
    r"|^\W*(?:say|tell|answer|respond|reply|output|print|repeat)\b",  # an imperative to the reader
    re.I,
)


def verify(sentence: str, cited: Sequence[Passage | str], *, min_coverage: float = MIN_COVERAGE) -> tuple[bool, str]:
    """``(supported, note)`` for one answer sentence (markers already stripped) and the
    passages (or passage texts) it cites; ``note`` says why when it is unsupported."""
    if not cited:
        return False, "no citation"
    sentence = _PER_CENT.sub("%", _drop_locations(sentence, cited))
    evidence, instructions = _evidence(cited)
    ok, note = _check(sentence, evidence, min_coverage)
    if not ok and instructions and _check(sentence, evidence + instructions, min_coverage)[0]:
        return False, "only an instruction inside a document supports it, and documents are not instructions"
    return ok, note


def _check(sentence: str, evidence: list[str], min_coverage: float) -> tuple[bool, str]:
    source = " ".join(evidence)
    source_words = _stems(source)
    source_numbers = {_number(n) for n in iter_numbers(source)}
    for n in iter_numbers(sentence):
        if _number(n) not in source_numbers:
            return False, f"{n} is not in the cited text"
    source_lower = " ".join(words(source))
    sentence_lower = " ".join(words(sentence))
    for word in sorted(MONTHS & set(words(sentence))):
        if word not in source_lower.split():
            return False, f"the date ('{word}') is not in the cited text"
    for judgement in JUDGEMENTS:
        if _has_phrase(sentence_lower, judgement) and not _has_phrase(source_lower, judgement):
            return False, f"the judgement '{judgement}' is not in the cited text"
    claim = {w: stem(w) for w in _words(sentence) if not w[0].isdigit()}
    if not claim:
        if any(True for _ in iter_numbers(sentence)):
            return True, ""
        return False, "has no words that the cited text could confirm"
    missing = [w for w, s in claim.items() if not _present(s, source_words)]
    coverage = 1 - len(missing) / len(claim)
    if coverage < min_coverage:
        shown = ", ".join(missing[:5])
        return False, f"only {coverage:.0%} of its words are in the cited text (missing: {shown})"
    stems = set(claim.values())
    best = max(evidence, key=lambda e: len(stems & set(_stems(e))), default="")
    if _negative(sentence) != _negative(best):
        return False, "the cited text says the opposite (a negation differs)"
    return True, ""


def _evidence(cited: Sequence[Passage | str]) -> tuple[list[str], list[str]]:
    """The cited texts' sentences, split into evidence and instruction-like sentences."""
    evidence: list[str] = []
    instructions: list[str] = []
    for item in cited:
        text = item if isinstance(item, str) else item.chunk.text
        if isinstance(item, Passage):
            evidence.append(_origin(item))
        for a, b in sentence_spans(text):
            part = _PER_CENT.sub("%", text[a:b])
            (instructions if _INSTRUCTION.search(part) else evidence).append(part)
    return evidence, instructions


def _origin(passage: Passage) -> str:
    """What the prompt told the model about where a passage comes from is evidence too:
    'the June 2014 report says ... [1]' is supported by source 1's date. (Page and
    paragraph numbers are not: see ``_drop_locations``.)"""
    c = passage.chunk
    return ". ".join(w for w in (c.title, c.kind, format_date(c.date), c.section) if w)


def _drop_locations(sentence: str, cited: Sequence[Passage | str]) -> str:
    """Remove 'page 12' / 'paragraph 57' where a cited passage is there: the location is
    right, and its number must not count as support for a '12' elsewhere in the sentence."""
    places: set[tuple[str, int]] = set()
    for item in cited:
        if isinstance(item, Passage):
            c = item.chunk
            if c.page is not None:
                places.update(("page", n) for n in range(c.page, (c.page_end or c.page) + 1))
            places.update(("paragraph", n) for n in c.paragraphs)

    def keep(m: re.Match[str]) -> str:
        kind = "paragraph" if m.group(1).lower().startswith("para") else "page"
        return "" if (kind, int(m.group(2))) in places else m.group(0)

    return _LOCATION.sub(keep, sentence)


def _words(text: str) -> list[str]:
    """Content words without possessive 's, each once."""
    return list(dict.fromkeys(w for w in (re.sub(r"['’]s$", "", w) for w in content_words(text)) if w))


def _stems(text: str) -> list[str]:
    return list(dict.fromkeys(stem(w) for w in _words(text)))


def _present(word: str, source: Sequence[str]) -> bool:
    """Same stem, or one stem a 5+ letter prefix of the other ('improv' / 'improvement')."""
    for s in source:
        if s == word:
            return True
        short, long = (s, word) if len(s) <= len(word) else (word, s)
        if len(short) >= 5 and long.startswith(short):
            return True
    return False


def _number(n: str) -> str:
    """'1,269' -> '1269', '07' -> '7', '50%' -> '50'."""
    n = n.replace(",", "").rstrip("%")
    whole, dot, frac = n.partition(".")
    frac = frac.rstrip("0")
    return (whole.lstrip("0") or "0") + (dot + frac if frac else "")


def _has_phrase(text: str, phrase: str) -> bool:
    return re.search(rf"\b{re.escape(phrase)}\b", text) is not None


def _negative(text: str) -> bool:
    ws = words(text)
    return any(w in NEGATIONS or w.endswith("n't") or w.endswith("n’t") for w in ws)
