"""Judgement statements in a document's text, for the judgement context of a brief: the
overall judgement, judgement-table rows, "judged inadequate in July 2022", and graded
headings. What counts as a grade, and how documents state one, is ``rag.vocabulary``'s.

    >>> text = "The overall judgement is good\\n\\nInspectors met staff."
    >>> [text[a:b] for a, b in judgement_spans(text)]
    ['The overall judgement is good']
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Protocol

from rag import vocabulary
from rag.cite import cite
from rag.lexical import tokens
from rag.records import Chunk, Citation, Passage
from rag.store import DocRecord
from rag.text import normalize_ws, sentence_spans


class Documents(Protocol):
    """What judgements are read from: the store, or anything that reads documents like it."""

    def document_text(self, doc_id: str) -> str: ...
    def iter_chunks(self) -> Iterable[Chunk]: ...
    def page_starts(self, doc_id: str) -> list[tuple[int, int | None]]: ...


def judgement_spans(text: str, topic_terms: Iterable[str] = ()) -> list[tuple[int, int]]:
    """Spans of ``text`` stating a judgement, in document order.

    Always: the overall judgement line, judgement-table rows, the effectiveness line, a
    judgement with its date ("judged inadequate in July 2022") and a limiting judgement.
    Other "was judged to be ..." statements only when they mention the topic (``topic_terms``,
    as ``rag.lexical.tokens`` makes them), with the sentence before (which says what was judged).
    """
    spans: list[tuple[int, int]] = []
    effectiveness = vocabulary.EFFECTIVENESS_LINE.search(text)
    found = (*vocabulary.OVERALL_JUDGEMENT.finditer(text), *vocabulary.JUDGEMENT_ROW.finditer(text), *([effectiveness] if effectiveness else []))
    for m in found:
        spans.append((m.start(), m.end()))
    terms = set(topic_terms)
    sentences = sentence_spans(text)
    for i, (a, b) in enumerate(sentences):
        s = text[a:b]
        if "\t" in s or any(a < e and s_ < b for s_, e in spans):
            continue
        if vocabulary.JUDGED_WHEN.search(s) or vocabulary.LIMITING_JUDGEMENT.search(s):
            spans.append((a, b))
        elif vocabulary.JUDGED.search(s) and i and terms:
            pa, _ = sentences[i - 1]
            pa += len(re.match(r"(?:-\s+)?", text[pa:b]).group(0))
            if "\n\n" not in text[pa:b] and terms & set(tokens(text[pa:b])):
                spans.append((pa, b))
    return sorted(set(spans))


def graded_heading(section: str) -> bool:
    """Does a section heading carry a grade ('... requires improvement')?"""
    return bool(section) and len(section) < 160 and bool(vocabulary.GRADED_HEADING.search(section))


def judgement_citations(
    documents: Documents, docs: Sequence[DocRecord], cited_sections: set[tuple[str, str]], topic: str
) -> Iterable[tuple[DocRecord, Citation, tuple[str, ...]]]:
    """(document, citation, cells) for the judgement statements of ``docs``, in document
    order, with the graded headings of the sections the brief quotes from (``cited_sections``:
    (doc_id, section)). ``cells``: a judgement-table row's (area, grade); () for prose."""
    if not docs:
        return
    ids = {d.doc_id for d in docs}
    chunks: dict[str, list[Chunk]] = defaultdict(list)
    for c in documents.iter_chunks():
        if c.doc_id in ids:
            chunks[c.doc_id].append(c)
    terms = tokens(topic)
    for d in docs:
        text = documents.document_text(d.doc_id)
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
            citation = cite(0, Passage(home, 0.0, 0), a - home.start, b - home.start, documents.page_starts)
            cells = tuple(normalize_ws(x).rstrip(":").strip() for x in citation.quote.split("\t")) if "\t" in citation.quote else ()
            yield d, citation, cells
