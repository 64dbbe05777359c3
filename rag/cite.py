"""Citations: one marker pattern, parsed here and only here, mapped to passages here.

A citation is a verbatim span of a passage's chunk, located in the cleaned document text,
with the page and the report's own paragraph number it lies in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from rag.records import Chunk, Citation, Passage, page_at
from rag.text import normalize_quotes, normalize_ws, quotable_spans, sentence_spans

MARKER = re.compile(r"\[(\d{1,3})\]")
_LEADING_MARKERS = re.compile(r"(?:\s*\[\d{1,3}\])+")
PageStarts = Callable[[str], Sequence[tuple[int, int | None]]]


def markers(text: str) -> list[int]:
    """The citation numbers in ``text``, in order, without repeats."""
    seen: list[int] = []
    for m in MARKER.finditer(text):
        n = int(m.group(1))
        if n not in seen:
            seen.append(n)
    return seen


def strip_markers(text: str) -> str:
    return normalize_ws(MARKER.sub("", text))


def split_cited(text: str) -> list[tuple[str, list[int]]]:
    """Sentences of an answer with the markers each carries ('a [1]. b [2][3].')."""
    out: list[tuple[str, list[int]]] = []
    for a, b in sentence_spans(text):
        sentence = text[a:b].strip()
        if not sentence:
            continue
        lead = _LEADING_MARKERS.match(sentence)
        if lead and out:  # markers after the full stop belong to the sentence before
            out[-1] = (out[-1][0], out[-1][1] + [n for n in markers(lead.group(0)) if n not in out[-1][1]])
            sentence = sentence[lead.end() :]
        nums = markers(sentence)
        body = strip_markers(sentence)
        if body in ("", ".") and out:
            out[-1] = (out[-1][0], out[-1][1] + [n for n in nums if n not in out[-1][1]])
            continue
        out.append((body, nums))
    return out


def cite(number: int, passage: Passage, start: int, end: int, page_starts: PageStarts | None = None) -> Citation:
    """A citation of ``chunk.text[start:end]`` (offsets relative to the chunk)."""
    c = passage.chunk
    page = c.page
    if c.page != c.page_end and page_starts is not None:
        page = page_at(page_starts(c.doc_id), c.start + start)
    return Citation(
        number=number,
        doc_id=c.doc_id,
        title=c.title,
        kind=c.kind,
        date=c.date,
        page=page,
        paragraph=c.paragraph_label,
        section=c.section,
        quote=c.text[start:end],
        start=c.start + start,
        end=c.start + end,
        chunk_id=c.chunk_id,
        passage_text=c.text,
    )


def quote_spans(chunk: Chunk) -> list[tuple[int, int]]:
    """Sentence spans of a chunk worth quoting (computed at chunking time)."""
    return list(chunk.sentences) if chunk.sentences else quotable_spans(chunk.text)


def is_verbatim(quote: str, source: str) -> bool:
    """Is ``quote`` in ``source``, allowing only whitespace and quote-mark differences?"""
    return normalize_ws(normalize_quotes(quote)) in normalize_ws(normalize_quotes(source))
