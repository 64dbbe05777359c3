"""Small text helpers shared by the stages: sentence spans, whitespace, content words."""

from __future__ import annotations

import re
from collections.abc import Iterator

# Abbreviations after which a full stop does not end a sentence.
_ABBREV = {
    "mr", "mrs", "ms", "dr", "cllr", "coun", "st", "no", "nos", "e.g", "i.e", "etc", "vs",
    "para", "paras", "fig", "approx", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "co", "ltd", "inc", "cf", "al",
}
# A sentence ends at . ! ? (optionally followed by closing quotes/brackets), then space,
# then something that can start a sentence.
_BOUNDARY = re.compile(r"[.!?][\"')\]’”]*\s+(?=[\"'(\[‘“]?[A-Z0-9•◼-])")
_WS = re.compile(r"\s+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:[.,]\d+)*%?")

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers him his how i if in into is
    it its itself just me more most my no nor not now of off on once only or other our
    out over own same she should so some such than that the their them then there these
    they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours has been being said says say did
    does many much may might must shall within without across since per upon via""".split()
)


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the sentences in ``text[start:end]``, trimmed of surrounding whitespace.

    A line break followed by a bullet also ends a sentence, so list items stay apart.

    >>> t = "Caseloads fell to 18. Mr Smith led it, e.g. in 2014. Done"
    >>> [t[a:b] for a, b in sentence_spans(t)]
    ['Caseloads fell to 18.', 'Mr Smith led it, e.g. in 2014.', 'Done']
    """
    end = len(text) if end is None else end
    cuts = [start]
    for m in _BOUNDARY.finditer(text, start, end):
        dot = m.start()
        word = re.search(r"([A-Za-z.]+)$", text[max(start, dot - 12) : dot])
        if text[dot] == "." and word and word.group(1).lower().rstrip(".") in _ABBREV:
            continue
        # A single capital before the stop is an initial ("A. Smith"), not a sentence end.
        if text[dot] == "." and word and len(word.group(1)) == 1 and word.group(1).isupper():
            continue
        cuts.append(m.end())
    for m in re.finditer(r"\n\s*(?=[-•◼*]\s|\d{1,3}\.\s)", text[start:end]):
        cuts.append(start + m.end())
    for m in re.finditer(r"\n\s*\n", text[start:end]):
        cuts.append(start + m.end())
    cuts = sorted(set(cuts)) + [end]
    spans = []
    for a, b in zip(cuts, cuts[1:]):
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            spans.append((a, b))
    return spans


def slug(text: str, limit: int = 80, default: str = "document") -> str:
    """'Management oversight' -> 'management-oversight': ids and file names."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit] or default


def normalize_ws(text: str) -> str:
    """Collapse every whitespace run to one space and trim."""
    return _WS.sub(" ", text).strip()


def normalize_quotes(text: str) -> str:
    """Typographic quotes and dashes to their plain forms."""
    return (
        text.replace("’", "'")
        .replace("‘", "'")
        .replace("“", '"')
        .replace("”", '"')
        .replace("–", "-")
        .replace("—", "-")
    )


def words(text: str) -> list[str]:
    """Lower-case word and number tokens."""
    return [w.lower().strip("'’-") for w in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    """Words that carry meaning: no stopwords, no one-letter words."""
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 1]


def stem(word: str) -> str:
    """A light suffix stripper, enough to match 'assessments' with 'assessment'."""
    for suffix in ("ings", "ing", "ied", "ies", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def iter_numbers(text: str) -> Iterator[str]:
    """Numbers as written ('18', '50%', '1,269', '2014')."""
    for m in re.finditer(r"\d+(?:[.,]\d+)*%?", text):
        yield m.group(0).rstrip(".,")


def quotable_spans(text: str) -> list[tuple[int, int]]:
    """Sentences worth quoting as evidence: no headings, leading paragraph numbers or
    bullet marks (a 'Label: value' line such as 'Lead inspector: A Name' counts)."""
    spans = []
    for a, b in sentence_spans(text):
        m = re.match(r"(?:-\s+)?(?:\d{1,3}\.\s+)?", text[a:b])
        a += m.end() if m else 0
        s = text[a:b]
        if len(s) < 12 or len(s.split()) < 3:
            continue
        labelled = re.match(r"^[A-Z][\w' ]{1,40}: \S", s) is not None
        ends = s.rstrip().endswith((".", "!", "?", '"', "'", ")"))
        if not ends and not labelled and "\t" not in s and len(s.split()) < 12:
            continue  # a heading
        spans.append((a, b))
    return spans
