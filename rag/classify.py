"""Is a sentence a strength or an area for improvement? The document's heading decides first,
then cue words ("effective", "improved" against "inconsistent", "too", "not").

    >>> classify("Supervision is improving, but remains inconsistent.")
    ('improvement', 'cue words: inconsistent; improving')
"""

from __future__ import annotations

import re

from rag.records import IMPROVEMENT, STRENGTH
from rag.text import normalize_ws

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
_CONTRAST = re.compile(r"(?:,|;|\s)\s*(?:but|however)\b,?", re.I)
_CONCESSION = re.compile(r"^(?:while|whilst|although|though|despite|even though)\b[^,]{3,}?,\s*", re.I)


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
