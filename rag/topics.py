"""Topics trainers can pick for a brief, mined from the indexed documents: multi-word terms
used in more than one place, names and every-document boilerplate left out.

Mining reads every document, so the result is kept, but only one: the topics of the catalog
as it is now (a new document changes the catalog's version and replaces the entry), so
memory stays bounded however often documents come and go.

    >>> suggest_topics(store, 5, index="index/")     # doctest: +SKIP
    ['management oversight', 'child protection', ...]
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Protocol

from rag import vocabulary
from rag.store import DocRecord
from rag.text import STOPWORDS, sentence_spans, stem, words

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


class Catalog(Protocol):
    """Where topics are mined from: the store, or anything that lists and reads documents like it."""

    def documents(self) -> list[DocRecord]: ...
    def document_text(self, doc_id: str) -> str: ...
    def content_version(self) -> str: ...


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


# (index, catalog version) -> (the n mined for, its topics): one entry at most. The picks are
# greedy, best first, so the topics for a smaller n are a prefix of those for a larger one.
_LATEST: dict[tuple[str, str], tuple[int, tuple[str, ...]]] = {}


def suggest_topics(catalog: Catalog, n: int = 20, *, index: str = "") -> list[str]:
    """Up to ``n`` topics from the documents of ``catalog`` (``index`` names it, so that two
    indexes of one content version are never confused); mined again only when the catalog
    changes or more topics are asked for than were mined."""
    from rag.chunk import blocks_of

    key = (index, catalog.content_version())
    held = _LATEST.get(key)
    if held is None or held[0] < n:
        texts = {d.doc_id: catalog.document_text(d.doc_id) for d in catalog.documents()}
        headings = {doc_id: [b.text for b in blocks_of(t) if b.kind == "heading"] for doc_id, t in texts.items()}
        held = (n, tuple(topic_candidates(texts, headings, n)))
        _LATEST.clear()
        _LATEST[key] = held
    return list(held[1][:n])
